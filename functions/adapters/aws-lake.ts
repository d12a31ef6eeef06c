import type { Catalog } from '../core/lake/catalog'
import type { ObjectStore } from '../core/lake/object-store'
import { glueClient, s3Client } from './aws-clients'
import { glueCatalog } from './glue-catalog'
import { tableFormatCatalog, type NewTableFormat, type TableFormatCatalog } from './table-format-catalog'
import { s3ObjectStore } from './s3-object-store'
import { s3SiteWriter } from './s3-site-writer'
import type { SiteWriter } from '../site/site-step'

/**
 * The lake's parts on AWS, for handlers to take what their role may use: S3 buckets for the
 * zones, Glue for the catalog. One client of each per process.
 */
let s3: ReturnType<typeof s3Client> | undefined
let glue: ReturnType<typeof glueClient> | undefined

export function s3Zone(bucket: string): ObjectStore {
  s3 ??= s3Client()
  return s3ObjectStore(s3, bucket)
}

export function glueCatalogOnAws(): Catalog {
  glue ??= glueClient()
  return glueCatalog(glue)
}

/**
 * The catalog the workflow steps work through: Glue, with Iceberg tables' working definitions in
 * the curated zone (table-format-catalog.ts).
 */
export function workflowCatalogOnAws(curated: ObjectStore, formats: NewTableFormat = {}): TableFormatCatalog {
  return tableFormatCatalog(glueCatalogOnAws(), curated, formats)
}

/** The status site's bucket, written with content types and cache headers. */
export function siteBucketOnAws(bucket: string): SiteWriter {
  s3 ??= s3Client()
  return s3SiteWriter(s3, bucket)
}
