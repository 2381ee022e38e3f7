import { jest } from '@jest/globals';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner, ReceivedMail, SmtpSink, startSmtpSink } from '@ataa/testing';
import { DonationWorld, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';
import { inspectPdf } from './pdf-inspect.js';

jest.setTimeout(90_000);

/**
 * Receipts for real gifts: the hosted form, Checkout on the Stripe sandbox, signed webhooks, the
 * worker settling the donation (and writing the outbox row in that transaction), the relay, BullMQ,
 * the receipt worker and a real SMTP server, whose MIME is parsed as a donor's mail client would.
 */
describe('receipts for gifts paid through Checkout (sandbox, API, worker, PostgreSQL, Redis, SMTP)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;

  const mailsTo = (email: string) => sink.messages.filter((m) => m.envelope.to.includes(email));
  const mailTo = (email: string, nth = 1) => eventually(async () => mailsTo(email)[nth - 1], `mail #${nth} to ${email}`, 45_000);
  const pdfOf = (mail: ReceivedMail) => {
    const pdf = mail.parsed.attachments.find((a) => a.contentType === 'application/pdf');
    if (!pdf) throw new Error('no PDF attachment');
    return inspectPdf(pdf.content);
  };
  const pay = async (slug: string, fields: Record<string, string>) => {
    const gift = await startGift(world, slug, fields);
    await world.sandbox.control.paySession(gift.sessionId);
    await settle(world);
    return gift.donationId;
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa Receipts <receipts@ataa.test>' } });
    org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('e-mails one English receipt per gift: recipient, subject, both bodies, fees covered, verification data and a PDF with the number', async () => {
    const campaign = await createCampaign(world.api, org, { title: 'Clean water', currency: 'usd', offerCoverFees: true });
    const donationId = await pay(campaign.slug, { amount: 'other', customAmount: '100', coverFees: 'on', donorName: 'Omar <b>Khalid</b>', donorEmail: 'omar@example.org' });
    const mail = await mailTo('omar@example.org');
    const [receipt] = await world.db.query(`SELECT receipt_number, message_id FROM receipts WHERE donation_id = $1 AND kind = 'donation_receipt'`, [donationId]);
    const year = new Date().getUTCFullYear();
    expect(receipt.receipt_number).toBe(`R-${year}-000001`);
    expect(mail.envelope.to).toEqual(['omar@example.org']);
    expect(mail.parsed.from?.value).toEqual([{ address: 'receipts@ataa.test', name: 'Ataa Receipts' }]);
    expect(mail.parsed.subject).toBe(`Your donation receipt ${receipt.receipt_number} from Hands & Hearts`);
    expect(mail.parsed.messageId).toBe(receipt.message_id);
    const html = String(mail.parsed.html);
    const text = mail.parsed.text ?? '';
    // 100.00 chosen, 5.47 covered: 105.47 charged (see the donations flow)
    expect(text).toContain('Amount: \u2068$105.47\u2069');
    expect(text).toContain('Of which you covered in fees: \u2068$5.47\u2069');
    expect(html).toContain('$105.47');
    expect(html).toContain('Omar &lt;b&gt;Khalid&lt;/b&gt;');
    expect(html).not.toContain('<b>Khalid</b>');
    // the transparency log exists: the receipt carries the gift's leaf and a signed checkpoint
    const [leaf] = await world.db.query(`SELECT public_leaf_index FROM donations WHERE id = $1`, [donationId]);
    expect(leaf.public_leaf_index).not.toBeNull();
    expect(text).toMatch(/Ledger entry index: \u2068?0\u2069?/);
    expect(text).toMatch(/Entry hash: [0-9a-f]{64}/);
    const pdf = pdfOf(mail);
    expect(pdf.texts.join(' ')).toContain(receipt.receipt_number);
    expect(pdf.texts.join(' ')).toContain('$105.47');
    // exactly one receipt, however many webhooks and relay passes ran
    await settle(world);
    expect(mailsTo('omar@example.org')).toHaveLength(1);
  });

  it('e-mails an Arabic, right-to-left receipt in a zero-decimal currency, numbered on without a gap', async () => {
    const campaign = await createCampaign(world.api, org, { title: 'مياه نظيفة', language: 'ar', currency: 'jpy', goal: '5000000', suggestedAmounts: ['1000', '3000'] });
    await pay(campaign.slug, { amount: 'other', customAmount: '3000', donorName: 'ليلى حداد', donorEmail: 'layla-jpy@example.org' });
    const mail = await mailTo('layla-jpy@example.org');
    const year = new Date().getUTCFullYear();
    expect(mail.parsed.subject).toBe(`إيصال تبرعك R-${year}-000002 من Hands & Hearts`);
    const html = String(mail.parsed.html);
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('<bdi>ليلى حداد</bdi>');
    expect(html).toContain('مياه نظيفة');
    expect(mail.parsed.text).toMatch(/المبلغ: \u2068[^\u2069]*3,000[^\u2069]*\u2069/);
    expect(mail.parsed.text).toMatch(/¥|JP¥|円/);
    const pdf = pdfOf(mail);
    expect(pdf.texts.join(' ')).toContain(`R-${year}-000002`);
    const titleLine = pdf.placed.filter((p) => p.page === 0 && p.y === pdf.placed[0].y);
    expect(Math.min(...titleLine.map((p) => p.x))).toBeGreaterThan(595.28 / 2);
  });

  it('sends partial and full refund notices through the same pipeline, and a copy of the receipt on request', async () => {
    const campaign = await createCampaign(world.api, org, { title: 'Books', currency: 'usd' });
    const donationId = await pay(campaign.slug, { amount: 'other', customAmount: '40.00', donorEmail: 'refund-me@example.org' });
    const receipt = await mailTo('refund-me@example.org');
    const number = receipt.parsed.headers.get('x-ataa-receipt-number') as string;
    const auth = { authorization: `Bearer ${org.ownerToken}` };
    const refunds = `/api/v1/orgs/${org.orgId}/donations/${donationId}/refunds`;

    await request(world.apiUrl).post(refunds).set(auth).send({ amount: '1500' }).expect(201);
    await settle(world);
    const partial = await mailTo('refund-me@example.org', 2);
    expect(partial.parsed.subject).toBe('Refund of your donation to Hands & Hearts');
    expect(partial.parsed.text).toContain('Part of the amount was refunded.');
    expect(partial.parsed.text).toContain('Amount refunded: \u2068$15.00\u2069');
    expect(partial.parsed.text).toContain(`Original receipt: \u2068${number}\u2069`);

    await request(world.apiUrl).post(refunds).set(auth).send({}).expect(201);
    await settle(world);
    const full = await mailTo('refund-me@example.org', 3);
    expect(full.parsed.text).toContain('The full amount was refunded.');
    expect(full.parsed.text).toContain('Amount refunded: \u2068$25.00\u2069');

    const resent = await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/donations/${donationId}/receipt/resend`).set(auth).expect(202);
    expect(resent.body.receiptNumber).toBe(number);
    const copy = await mailTo('refund-me@example.org', 4);
    expect(copy.parsed.subject).toBe(`Copy of your donation receipt ${number} from Hands & Hearts`);
    expect(copy.parsed.headers.get('x-ataa-copy')).toBe('yes');
    expect(pdfOf(copy).texts.join(' ')).toContain(number);
    // The sink has the copy once the SMTP server accepted it; the worker marks it sent just after.
    const listed = await eventually(async () => {
      const res = await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/receipts?donationId=${donationId}`).set(auth).expect(200);
      return res.body.every((r: { status: string }) => r.status === 'sent') && res;
    }, 'every receipt of the gift marked sent');
    expect(listed.body.map((r: { kind: string }) => r.kind).sort()).toEqual(['donation_receipt', 'receipt_copy', 'refund_notice', 'refund_notice']);
  });
});
