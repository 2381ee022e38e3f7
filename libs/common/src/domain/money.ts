import { currencyExponent, formatMajorUnits } from './currency.js';

/** An amount in a currency's minor unit. Arithmetic across currencies is refused. */
export class Money {
  private constructor(
    readonly amount: bigint,
    readonly currency: string,
  ) {}

  static of(amount: bigint | number | string, currency: string): Money {
    if (typeof amount === 'number' && !Number.isSafeInteger(amount)) {
      throw new RangeError(`money amounts are integers in minor units, got ${amount}`);
    }
    if (!/^[a-z]{3}$/.test(currency)) throw new RangeError(`currency must be lower-case ISO 4217, got ${currency}`);
    return new Money(BigInt(amount), currency);
  }

  static zero(currency: string): Money {
    return Money.of(0n, currency);
  }

  plus(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.amount + other.amount, this.currency);
  }

  minus(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.amount - other.amount, this.currency);
  }

  negate(): Money {
    return new Money(-this.amount, this.currency);
  }

  isZero(): boolean {
    return this.amount === 0n;
  }

  isNegative(): boolean {
    return this.amount < 0n;
  }

  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other);
    return this.amount < other.amount ? -1 : this.amount > other.amount ? 1 : 0;
  }

  equals(other: Money): boolean {
    return this.currency === other.currency && this.amount === other.amount;
  }

  get exponent(): number {
    return currencyExponent(this.currency);
  }

  toMajorString(): string {
    return formatMajorUnits(this.amount, this.currency);
  }

  toJSON(): { amount: string; currency: string } {
    return { amount: this.amount.toString(), currency: this.currency };
  }

  toString(): string {
    return `${this.toMajorString()} ${this.currency.toUpperCase()}`;
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) {
      throw new TypeError(`cannot combine ${this.currency} with ${other.currency}`);
    }
  }
}
