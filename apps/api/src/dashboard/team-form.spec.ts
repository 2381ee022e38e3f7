import { apiKeyFieldCode, auditQuery, detailLines, inviteFieldCode, parseDay, readApiKeyForm, readAuditFilter, readInviteForm } from './team-form.js';

describe('team forms', () => {
  it('read the invitation form, the language defaulting to the page\u2019s', () => {
    expect(readInviteForm({ email: '  a@example.org ', role: 'admin' }, 'ar')).toEqual({ email: 'a@example.org', role: 'admin', language: 'ar' });
    expect(readInviteForm({ email: ['x'], role: 5, language: 'en' }, 'ar')).toEqual({ email: '', role: '', language: 'en' });
    expect(readInviteForm(undefined, 'en')).toEqual({ email: '', role: '', language: 'en' });
  });

  it('name what the API\u2019s validation refused, per field', () => {
    expect(inviteFieldCode('email', { email: '', role: '', language: 'en' })).toBe('email_required');
    expect(inviteFieldCode('email', { email: 'nope', role: '', language: 'en' })).toBe('invalid_email');
    expect(inviteFieldCode('role', { email: '', role: 'boss', language: 'en' })).toBe('invalid_role');
    expect(inviteFieldCode('token', { email: '', role: '', language: 'en' })).toBeNull();
    expect(readApiKeyForm({ name: 'Sync', role: 'viewer', other: 'x' })).toEqual({ name: 'Sync', role: 'viewer' });
    expect(apiKeyFieldCode('name', { name: '  ', role: '' })).toBe('name_required');
    expect(apiKeyFieldCode('name', { name: 'x'.repeat(101), role: '' })).toBe('invalid_text');
    expect(apiKeyFieldCode('role', { name: 'x', role: 'owner' })).toBe('invalid_role');
  });
});

describe('audit filters', () => {
  it('read days as UTC, the end day included (the next day\u2019s start, exclusive)', () => {
    const { filter, errors } = readAuditFilter({ from: '2025-02-27', to: '2025-02-28', actor: 'user:6f1c2f4e-0b1d-4c55-9a43-5d2b8e0f6a11', action: 'api_key.created', cursor: '42' });
    expect(errors).toEqual({});
    expect(filter).toEqual({
      from: new Date('2025-02-27T00:00:00Z'), to: new Date('2025-03-01T00:00:00Z'),
      actor: 'user:6f1c2f4e-0b1d-4c55-9a43-5d2b8e0f6a11', action: 'api_key.created', cursor: '42',
    });
    expect(readAuditFilter({ from: '2025-03-01', to: '2025-03-01' }).filter.to).toEqual(new Date('2025-03-02T00:00:00Z'));
  });

  it('mark a wrong value and do not apply it; empty values mean any', () => {
    const { filter, errors, values } = readAuditFilter({ from: '2025-02-30', to: 'tomorrow', actor: "user:1' OR 1=1", action: 'DROP TABLE', cursor: '-1' });
    expect(errors).toEqual({ from: 'invalid_date', to: 'invalid_date', actor: 'invalid_filter', action: 'invalid_filter' });
    expect(filter).toEqual({});
    expect(values.to).toBe('tomorrow'); // kept for the form
    expect(readAuditFilter({ actor: '', action: '', from: '', to: '' })).toEqual({ values: { actor: '', action: '', from: '', to: '' }, filter: {}, errors: {} });
    expect(readAuditFilter({ actor: ['operator'] }).filter).toEqual({});
  });

  it('refuse a range that ends before it starts', () => {
    const { filter, errors } = readAuditFilter({ from: '2025-03-02', to: '2025-03-01' });
    expect(errors).toEqual({ to: 'invalid_date_range' });
    expect(filter).toEqual({ from: new Date('2025-03-02T00:00:00Z') });
  });

  it('parse only real days', () => {
    expect(parseDay('2024-02-29')).toEqual(new Date('2024-02-29T00:00:00Z'));
    expect(parseDay('2023-02-29')).toBeNull();
    expect(parseDay('2024-2-9')).toBeNull();
    expect(parseDay('1999-12-31')).toBeNull();
  });

  it('carry the filters into the next page\u2019s link, and show details briefly', () => {
    expect(auditQuery({ actor: 'operator', action: '', from: '2025-01-01', to: '' }, '17')).toBe('?actor=operator&from=2025-01-01&cursor=17');
    expect(auditQuery({ actor: '', action: '', from: '', to: '' })).toBe('');
    expect(detailLines({ role: 'admin', from: 'viewer', nested: { a: 1 } })).toEqual([{ key: 'role', value: 'admin' }, { key: 'from', value: 'viewer' }, { key: 'nested', value: '{"a":1}' }]);
    expect(detailLines({ a: 1, b: 2, c: 3 }, 2)).toHaveLength(2);
  });
});
