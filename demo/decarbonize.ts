import { eventHandler, LiveComponent, LiveView } from '../lib';

/** One source of emissions: a yearly amount the user sets, times a factor (kg CO₂ per unit). */
export interface SourceSpec {
  id: string;
  label: string;
  unit: string;
  /** kg CO₂ per unit per year. */
  factor: number;
  step: number;
  start: number;
}

export const SOURCES: SourceSpec[] = [
  { id: 'car', label: 'Driving', unit: 'km per year', factor: 0.17, step: 1000, start: 12000 },
  { id: 'home', label: 'Home electricity', unit: 'kWh per year', factor: 0.23, step: 500, start: 3500 },
  { id: 'flights', label: 'Flights', unit: 'hours per year', factor: 90, step: 1, start: 6 },
];

const tonnes = (kg: number): string => (kg / 1000).toFixed(1);

/**
 * One row of the calculator as a LiveComponent: its amount is its own state, changed by its
 * own buttons and its own form (dj-target="{{ myself }}"), so a click renders this row only.
 * It tells the page its new total with sendParent.
 */
export class SourceComponent extends LiveComponent {
  static override template = 'decarbonize-source.njk';
  id = '';
  spec!: SourceSpec;
  amount = 0;
  kg = '';

  override mount(assigns: Record<string, unknown>): void {
    this.amount = (assigns.spec as SourceSpec).start;
  }

  override update(assigns: Record<string, unknown>): void {
    super.update(assigns);
    this.kg = tonnes(this.amount * this.spec.factor);
  }

  @eventHandler()
  more(): void {
    this.#set(this.amount + this.spec.step);
  }

  @eventHandler()
  less(): void {
    this.#set(Math.max(0, this.amount - this.spec.step));
  }

  @eventHandler()
  typed(params: { amount?: unknown }): void {
    const amount = Number(params.amount);
    if (Number.isFinite(amount) && amount >= 0 && amount <= 1e7) this.#set(Math.round(amount));
  }

  #set(amount: number): void {
    this.amount = amount;
    this.kg = tonnes(amount * this.spec.factor);
    this.sendParent({ source: this.id, kg: amount * this.spec.factor });
  }
}

/** The page: the rows are components; the view keeps only the totals they report. */
export class DecarbonizeView extends LiveView {
  static override template = 'decarbonize.njk';
  Source = SourceComponent;
  sources = SOURCES;
  perSource: Record<string, number> = Object.fromEntries(SOURCES.map((s) => [s.id, s.start * s.factor]));
  total = '';

  override mount(): void {
    this.#retotal();
  }

  override handleInfo(message: unknown): void {
    const { source, kg } = message as { source: string; kg: number };
    if (!(source in this.perSource)) return;
    this.perSource = { ...this.perSource, [source]: kg };
    this.#retotal();
  }

  #retotal(): void {
    const kg = Object.values(this.perSource).reduce((a, b) => a + b, 0);
    this.total = tonnes(kg);
    this.pageTitle = `Decarbonize: ${this.total} t CO₂`;
  }
}
