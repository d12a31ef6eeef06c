// parquetjs-lite ships no types; this declares only what the benchmark baseline uses.
declare module 'parquetjs-lite' {
  export interface FieldDefinition {
    type: string
    optional?: boolean
    compression?: 'UNCOMPRESSED' | 'GZIP' | 'SNAPPY' | 'LZO' | 'BROTLI' | 'LZ4'
  }

  export class ParquetSchema {
    constructor(fields: Record<string, FieldDefinition>)
  }

  export class ParquetWriter {
    static openFile(schema: ParquetSchema, path: string, opts?: { rowGroupSize?: number }): Promise<ParquetWriter>
    appendRow(row: Record<string, unknown>): Promise<void>
    close(): Promise<void>
  }

  const parquet: { ParquetSchema: typeof ParquetSchema; ParquetWriter: typeof ParquetWriter }
  export default parquet
}
