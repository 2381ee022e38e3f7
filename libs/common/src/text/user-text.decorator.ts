import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';
import { normalizeUserText, textProblem, textProblemMessage, type TextRule } from './text-policy.js';

/**
 * A free-text field under the platform's text policy (text-policy.ts): normalized (NFC, line breaks,
 * trimmed) when the DTO is built, then checked for control characters, lone surrogates and length in
 * code points. Combine with @IsOptional() for optional fields.
 */
export function UserText(rule: TextRule, options?: ValidationOptions): PropertyDecorator {
  const transform = Transform(({ value }) => (typeof value === 'string' ? normalizeUserText(value, rule.multiline) : value));
  const validate = ValidateBy({
    name: 'userText',
    constraints: [rule],
    validator: {
      validate: (value: unknown) => textProblem(value, rule) === null,
      defaultMessage: (args) => textProblemMessage(args?.property ?? 'value', textProblem(args?.value, rule) ?? 'not_text', rule),
    },
  }, options);
  return (target: object, property: string | symbol) => {
    transform(target, property as string);
    validate(target, property as string);
  };
}
