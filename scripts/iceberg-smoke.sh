#!/usr/bin/env bash
# What only an AWS account can prove about sluice's Iceberg tables: Glue takes their definitions,
# Athena reads them (identity partitions absent from the parts, columns through the name mapping,
# manifests without column metrics), sees a replacement as one commit, and reads an earlier
# snapshot. Needs a stack whose tables are Iceberg tables (a new stack's are; one deployed before
# needs `-c sluice:tableFormat=iceberg` for its new tables), credentials allowed to use it, and
# the AWS CLI. Each step prints what it checks; the script stops at the first mismatch.
#
#   STACK=Sluice REGION=eu-west-1 scripts/iceberg-smoke.sh
set -euo pipefail
STACK=${STACK:-Sluice}
REGION=${REGION:-${AWS_REGION:-}}
region=(${REGION:+--region "$REGION"})
output() { aws cloudformation describe-stacks "${region[@]}" --stack-name "$STACK" --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text; }
RAW=$(output RawBucketName)
DATABASE=$(output GlueDatabaseName)
sluice() { npx sluice aws "$@" --stack "$STACK" ${REGION:+--region "$REGION"}; }
expect() { # expect <what> <wanted> <got>
  if [ "$2" != "$3" ]; then echo "FAIL: $1: wanted $2, got $3" >&2; exit 1; fi
  echo "ok: $1 = $3"
}
scalar() { sluice query "$1" --output csv | tail -n 1 | tr -d '"\r'; }

dataset=iceberg_smoke_$(date +%s)
file=$(mktemp)
printf 'id,amount\n1,1.50\n2,2.50\n' > "$file"
aws s3 cp "${region[@]}" "$file" "s3://$RAW/$dataset/part-a.csv" --only-show-errors
sluice start --key "$dataset/part-a.csv" --wait > /dev/null

expect "Glue table_type of $DATABASE.$dataset" ICEBERG "$(aws glue get-table "${region[@]}" --database-name "$DATABASE" --name "$dataset" --query 'Table.Parameters.table_type' --output text)"
expect "rows after the first load" 2 "$(scalar "SELECT count(*) FROM $dataset")"
expect "ingest_date from the manifests" 1 "$(scalar "SELECT count(DISTINCT ingest_date) FROM $dataset WHERE ingest_date IS NOT NULL")"
first=$(scalar "SELECT snapshot_id FROM \"$dataset\$snapshots\" ORDER BY committed_at DESC LIMIT 1")

printf 'id,amount\n1,1.50\n2,2.50\n3,3.50\n' > "$file"
aws s3 cp "${region[@]}" "$file" "s3://$RAW/$dataset/part-a.csv" --only-show-errors
sluice start --key "$dataset/part-a.csv" --wait > /dev/null

expect "rows after the replacement (never 5: old and new both)" 3 "$(scalar "SELECT count(*) FROM $dataset")"
expect "snapshots" 2 "$(scalar "SELECT count(*) FROM \"$dataset\$snapshots\"")"
expect "rows as of the first snapshot" 2 "$(scalar "SELECT count(*) FROM $dataset FOR VERSION AS OF $first")"

aws s3 rm "${region[@]}" "s3://$RAW/$dataset/part-a.csv" --only-show-errors
sluice start --wait > /dev/null
expect "rows after the raw file was deleted" 0 "$(scalar "SELECT count(*) FROM $dataset")"
echo "Athena and Glue read sluice's Iceberg table $DATABASE.$dataset as the tests expect."
echo "It stays: remove the Glue tables $dataset and ${dataset}__rejects and the curated zone's $dataset/, ${dataset}__rejects/, _iceberg/$dataset* and _ledger/$dataset/ prefixes when done."
