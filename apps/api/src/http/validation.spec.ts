import { IsOptional, IsString } from 'class-validator';
import { DomainError } from '@ataa/common';
import { createValidationPipe, MAX_INPUT_DEPTH, nestedDeeperThan } from './validation.js';

class Sample {
  @IsOptional() @IsString() name?: string;
}

describe('validation pipe', () => {
  it('measures nesting without recursion', () => {
    expect(nestedDeeperThan({ a: [1, { b: 'x' }] }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: [1, { b: {} }] }, 3)).toBe(true);
    expect(nestedDeeperThan(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), MAX_INPUT_DEPTH)).toBe(true);
  });

  // Found by the fuzz tier: a JSON body nested 5,000 deep overflowed class-transformer's stack (500).
  it('refuses input nested deeper than any DTO with 400 validation_failed, not a stack overflow', async () => {
    const pipe = createValidationPipe();
    for (const body of [JSON.parse('['.repeat(5_000) + ']'.repeat(5_000)), JSON.parse('{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000))]) {
      const error = await pipe.transform(body, { type: 'body', metatype: Sample }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: 'validation_failed', status: 400 });
    }
    await expect(pipe.transform({ name: 'ok' }, { type: 'body', metatype: Sample })).resolves.toBeInstanceOf(Sample);
  });
});
