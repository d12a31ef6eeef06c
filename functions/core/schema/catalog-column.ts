/** A table column as the Glue Data Catalog holds it (lake/catalog.ts): its Athena type as DDL text. */
export interface CatalogColumn {
  Name: string
  Type: string
  Comment?: string
}
