import { readFile } from 'node:fs/promises'
import { parseContractText, type Contract } from '../core/schema/contract'
import { ContractInvalidError } from '../core/errors'

/** Reads and validates a contract JSON file. */
export async function readContractFile(path: string): Promise<Contract> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new ContractInvalidError(`contract ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e })
  }
  return parseContractText(text, path)
}
