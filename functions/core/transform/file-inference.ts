import type { ColumnPlan } from '../schema/column-plan'
import { contractWriteType } from '../schema/contract-on-table'
import type { ValueClass } from '../schema/infer-column-type'
import { describeNumberFormat, EUROPEAN, isPlainFormat, NumberFormatVote, type NumberFormat } from '../schema/number-format'
import { ColumnInference, type ColumnTyping } from '../schema/value-routing'
import type { FileTyping } from '../schema/file-typing'
import type { Settings } from './transform-settings'

/** One inference per undeclared column, from the table's type; undefined for declared ones. */
const columnInferences = (plan: ColumnPlan, settings: Settings, numbers: NumberFormat | undefined): (ColumnInference | undefined)[] =>
  plan.columns.map((c) => (c.declared ? undefined : new ColumnInference(settings.tableTypes.get(c.name), numbers)))

/**
 * Infers a file's undeclared columns from the cells a pass shows it. Their numbers are read in
 * the contract's format; without one, a `;` file is also read in the European one (`1.234,56`)
 * beside the plain one, and a vote over its cells picks: European when every number with a
 * decimal part has a `,` part (number-format.ts), with a warning.
 */
export class FileInference {
  private readonly plain: (ColumnInference | undefined)[]
  private readonly european?: (ColumnInference | undefined)[]
  private readonly vote?: NumberFormatVote
  private readonly numbers?: NumberFormat

  constructor(private readonly plan: ColumnPlan, private readonly settings: Settings, delimiter: string) {
    this.numbers = settings.contract?.numbers
    this.plain = columnInferences(plan, settings, this.numbers)
    if (!this.numbers && delimiter === ';' && this.plain.some(Boolean)) {
      this.vote = new NumberFormatVote()
      this.european = columnInferences(plan, settings, EUROPEAN)
    }
  }

  /** Some column is inferred. */
  get any(): boolean {
    return this.plain.some(Boolean)
  }

  /** Cells must be given as text (`add`): classifyBytes reads plain numbers only. */
  get textOnly(): boolean {
    return this.vote !== undefined || !isPlainFormat(this.numbers)
  }

  /** Column j is inferred and a value may still change its typing. */
  wants(j: number): boolean {
    const plain = this.plain[j]
    return plain !== undefined && !(plain.settled && (this.european?.[j]?.settled ?? true))
  }

  /** A non-null, trimmed cell of column j. */
  add(j: number, text: string): void {
    if (!this.wants(j)) return
    this.plain[j]!.add(text)
    if (this.vote) {
      this.vote.add(text)
      this.european![j]!.add(text)
    }
  }

  /** A cell of column j classified on its bytes (only when not `textOnly`). */
  addClass(j: number, value: ValueClass): void {
    if (this.wants(j)) this.plain[j]!.addClass(value)
  }

  /** The file's typing from the cells seen. */
  typing(): FileTyping {
    const voted = this.vote?.format
    const inferences = voted ? this.european! : this.plain
    const numbers = this.numbers ?? voted
    const typings: ColumnTyping[] = this.plan.columns.map((c, j) =>
      c.declared
        ? { type: contractWriteType(c.name, c.declared.type, this.settings.tableTypes.get(c.name), this.settings.dataset, this.settings.sourceName), variant: false }
        : inferences[j]!.typing,
    )
    const typing: FileTyping = { types: typings.map((t) => t.type), variants: typings.map((t) => t.variant) }
    if (numbers) typing.numbers = numbers
    if (typings.some((t) => t.order)) typing.orders = typings.map((t) => t.order)
    if (voted) {
      typing.warnings = [
        `numbers: ${this.settings.sourceName} is read with ${describeNumberFormat(voted)}: it is ";"-delimited and every number with a decimal part has a "," one; ` +
          `declare "decimalSeparator" (and "thousandsSeparator") in the contract to make it explicit`,
      ]
    }
    return typing
  }
}
