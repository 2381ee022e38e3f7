/** The public transparency pages' words, in English and Arabic. */
export const PAGE_MESSAGES = {
  en: {
    ledgerTitle: 'Public ledger', reportTitle: 'Report', skip: 'Skip to content',
    footer: 'Ataa — every cent in and out, verifiable.',
    intro: 'Every gift, fee, refund, dispute and payout of this campaign, as signed entries of an append-only Merkle log anyone can verify.',
    index: '#', time: 'Time (UTC)', kind: 'Kind', amount: 'Amount', donor: 'Donor', details: 'Message or purpose', balance: 'Balance',
    filter: 'Filter', allKinds: 'All kinds', month: 'Month', apply: 'Apply', order: 'Order', newest: 'Newest first', oldest: 'Oldest first',
    next: 'Next page', prev: 'Previous page', empty: 'No entries match.', download: 'Download CSV', report: 'Report', ledger: 'Ledger',
    checkpoint: 'Signed checkpoint', publicKey: 'Public key', verification: 'Verification', verifyTiles: 'Verify from the tiles',
    verifying: 'Verifying the entries on this page in your browser…', treeSize: 'Entries in the log',
    witnesses: {
      none: 'No independent witness is configured: this log’s checkpoints are signed by the platform alone.',
      cosigned: 'Checkpoint cosigned by {n} of {m} independent {witnesses} ({names}), latest at',
      behind: 'This checkpoint is not cosigned yet by the {m} independent {witnesses} ({names}); the latest cosignature, of the log at {size} entries, was at',
      never: 'This log is not cosigned yet by the {m} independent {witnesses} ({names}).',
      one: 'witness', many: 'witnesses',
    },
    raised: 'Raised', gifts: 'Gifts', donors: 'Donors', fees: 'Fees', processingFees: 'Payment processing fees', platformFees: 'Platform fees', feeExchange: 'Processing fees converted at', 
    refunds: 'Refunds', disputes: 'Disputes (net)', payouts: 'Payouts (net)', currentBalance: 'Balance', monthly: 'By month',
    chartTitle: 'Money in and out by month', moneyIn: 'In (gifts)', moneyOut: 'Out (fees, refunds, disputes, payouts)', net: 'Net',
    language: 'العربية', languageCode: 'ar', pages: 'Pages', campaignPage: 'Back to the campaign',
    redacted: { erased: 'Removed at the donor’s request', hidden: 'Hidden by moderation' },
    kinds: { donation: 'Gift', fee: 'Processing fee', platform_fee: 'Platform fee', refund: 'Refund', dispute: 'Dispute', dispute_reversal: 'Dispute won', payout: 'Payout', payout_reversal: 'Payout returned', terms_changed: 'Terms changed', offline_gift: 'Offline gift', offline_gift_void: 'Offline gift voided' },
    offlineNotice: 'Recorded by the organization, not verified by the payment processor',
    offlineGifts: 'Offline gifts (cash, cheque, bank transfer), net', offlineVoided: 'voided',
    offlineMethods: { cash: 'cash', cheque: 'cheque', bank_transfer: 'bank transfer' },
    reconciliation: {
      title: 'Reconciliation with the payment processor',
      summary: 'Reconciled with the payment processor up to {time}: {n} {differences}.',
      never: 'Not reconciled with the payment processor yet.',
      one: 'difference open', many: 'differences open',
      lead: 'The platform compares every movement of money the payment processor reports with this ledger. A difference is shown here, for this campaign, until both sides agree again.',
      openTitle: 'Open differences', resolvedTitle: 'Resolved differences', more: '{n} more open differences are not listed.',
      kind: 'Difference', movement: 'Movement', processorAmount: 'Payment processor', ledgerAmount: 'Ledger', occurred: 'Happened (UTC)', age: 'Open for', resolved: 'Resolved (UTC)', entries: 'Entries',
      none: '—', days: '{n} days', lessThanDay: 'less than a day', oneDay: '1 day',
      kinds: {
        missing_in_ledger: 'Missing in the ledger', missing_on_stripe: 'Missing at the payment processor', amount_mismatch: 'Amounts differ', duplicate: 'Posted twice',
        charge_not_posted: 'Payment not posted in time',
      },
      movements: {
        donation: 'Gift', processing_fee: 'Processing fee', refund: 'Refund', dispute: 'Dispute', dispute_fee: 'Dispute fee', dispute_reversal: 'Dispute won',
        dispute_fee_refund: 'Dispute fee returned', payout: 'Payout', payout_reversal: 'Payout returned',
      } as Record<string, string>,
    },
  },
  ar: {
    ledgerTitle: 'السجل العام', reportTitle: 'التقرير', skip: 'انتقل إلى المحتوى',
    footer: 'عطاء — كل قرش داخل وخارج، قابل للتحقق.',
    intro: 'كل تبرع ورسوم واسترداد ونزاع وتحويل لهذه الحملة، كقيود موقعة في سجل ميركل لا يقبل إلا الإضافة، يستطيع أي شخص التحقق منه.',
    index: '#', time: 'الوقت (UTC)', kind: 'النوع', amount: 'المبلغ', donor: 'المتبرع', details: 'رسالة أو غرض', balance: 'الرصيد',
    filter: 'تصفية', allKinds: 'كل الأنواع', month: 'الشهر', apply: 'تطبيق', order: 'الترتيب', newest: 'الأحدث أولاً', oldest: 'الأقدم أولاً',
    next: 'الصفحة التالية', prev: 'الصفحة السابقة', empty: 'لا توجد قيود مطابقة.', download: 'تنزيل CSV', report: 'التقرير', ledger: 'السجل',
    checkpoint: 'نقطة التحقق الموقعة', publicKey: 'المفتاح العام', verification: 'التحقق', verifyTiles: 'التحقق من البلاطات (tiles)',
    verifying: 'يجري التحقق من قيود هذه الصفحة في متصفحك…', treeSize: 'عدد القيود في السجل',
    witnesses: {
      none: 'لم يُعيَّن أي شاهد مستقل: نقاط التحقق في هذا السجل موقّعة من المنصة وحدها.',
      cosigned: 'وقّع نقطة التحقق من الشهود المستقلين {n} من أصل {m} ({names})، وآخر توقيع في',
      behind: 'لم يوقّع الشهود المستقلون ({m}: {names}) نقطة التحقق هذه بعد؛ آخر توقيع، للسجل عند {size} قيداً، كان في',
      never: 'لم يوقّع الشهود المستقلون ({m}: {names}) هذا السجل بعد.',
      one: 'شاهد', many: 'شهود',
    },
    raised: 'المبلغ المجموع', gifts: 'التبرعات', donors: 'المتبرعون', fees: 'الرسوم', processingFees: 'رسوم معالجة الدفع', platformFees: 'رسوم المنصة', feeExchange: 'رسوم المعالجة المحوّلة بسعر', 
    refunds: 'المبالغ المستردة', disputes: 'النزاعات (صافي)', payouts: 'التحويلات (صافي)', currentBalance: 'الرصيد', monthly: 'حسب الشهر',
    chartTitle: 'الأموال الداخلة والخارجة حسب الشهر', moneyIn: 'داخل (تبرعات)', moneyOut: 'خارج (رسوم، استرداد، نزاعات، تحويلات)', net: 'الصافي',
    language: 'English', languageCode: 'en', pages: 'الصفحات', campaignPage: 'العودة إلى الحملة',
    redacted: { erased: 'أزيل بطلب من المتبرع', hidden: 'أخفته الإشراف' },
    kinds: { donation: 'تبرع', fee: 'رسوم معالجة', platform_fee: 'رسوم المنصة', refund: 'استرداد', dispute: 'نزاع', dispute_reversal: 'كسب نزاع', payout: 'تحويل', payout_reversal: 'تحويل مُعاد', terms_changed: 'تغيير الشروط', offline_gift: 'تبرع خارج المنصة', offline_gift_void: 'إلغاء تبرع خارج المنصة' },
    offlineNotice: 'سجّلته المنظمة، ولم يتحقق منه معالج الدفع',
    offlineGifts: 'تبرعات خارج المنصة (نقد، شيك، تحويل بنكي)، صافي', offlineVoided: 'ملغاة',
    offlineMethods: { cash: 'نقداً', cheque: 'شيك', bank_transfer: 'تحويل بنكي' },
    reconciliation: {
      title: 'المطابقة مع معالج الدفع',
      summary: 'تمت المطابقة مع معالج الدفع حتى {time}: {differences}: {n}.',
      never: 'لم تتم المطابقة مع معالج الدفع بعد.',
      one: 'الفروق المفتوحة', many: 'الفروق المفتوحة',
      lead: 'تقارن المنصة كل حركة مال يبلّغ عنها معالج الدفع بهذا السجل. يظهر هنا كل فرق يخص هذه الحملة حتى يتفق الطرفان من جديد.',
      openTitle: 'الفروق المفتوحة', resolvedTitle: 'الفروق المحلولة', more: '{n} من الفروق المفتوحة الأخرى غير مدرجة.',
      kind: 'الفرق', movement: 'الحركة', processorAmount: 'معالج الدفع', ledgerAmount: 'السجل', occurred: 'وقت الحدوث (UTC)', age: 'مفتوح منذ', resolved: 'وقت الحل (UTC)', entries: 'القيود',
      none: '—', days: '{n} يوماً', lessThanDay: 'أقل من يوم', oneDay: 'يوم واحد',
      kinds: {
        missing_in_ledger: 'مفقود في السجل', missing_on_stripe: 'مفقود لدى معالج الدفع', amount_mismatch: 'المبالغ مختلفة', duplicate: 'مسجّل مرتين',
        charge_not_posted: 'دفعة لم تُسجَّل في وقتها',
      },
      movements: {
        donation: 'تبرع', processing_fee: 'رسوم معالجة', refund: 'استرداد', dispute: 'نزاع', dispute_fee: 'رسوم نزاع', dispute_reversal: 'كسب نزاع',
        dispute_fee_refund: 'رسوم نزاع مُعادة', payout: 'تحويل', payout_reversal: 'تحويل مُعاد',
      } as Record<string, string>,
    },
  },
} as const;

export type PageLanguage = keyof typeof PAGE_MESSAGES;

/** Strings the in-browser verifier shows; handed to it through data attributes (no inline script). */
export const VERIFY_MESSAGES = {
  en: { verified: 'Verified', failed: 'Verification failed', verifiedDetail: 'All {n} entries on this page are in the log signed at size {size}; the checkpoint signature is valid.', unsupported: 'This browser cannot check Ed25519 signatures; hashes and proofs were still checked.', redacted: '{n} personal field(s) on this page were removed (erasure or moderation); every other commitment opens.', unverifiable: 'Entries {indexes} predate redactable entries: once redacted, their content can no longer be checked against their leaf hash, which the log still proves.', tilesPending: 'Verifying from the log\u2019s tiles…', tilesVerifiedDetail: 'From the tiles alone ({tiles} fetched, no proof from the server): the root of all {size} entries is the signed one, and the {n} entries on this page are in it.' },
  ar: { verified: 'تم التحقق', failed: 'فشل التحقق', verifiedDetail: 'كل القيود ({n}) في هذه الصفحة موجودة في السجل الموقّع بحجم {size}؛ وتوقيع نقطة التحقق صحيح.', unsupported: 'هذا المتصفح لا يدعم التحقق من توقيعات Ed25519؛ تم التحقق من التجزئات والبراهين.', redacted: 'أزيل {n} من الحقول الشخصية في هذه الصفحة (محو أو إشراف)؛ وكل الالتزامات الأخرى صحيحة.', unverifiable: 'القيود {indexes} أقدم من القيود القابلة للحجب: بعد حجبها لم يعد ممكناً مطابقة محتواها مع تجزئة الورقة، التي ما زال السجل يثبتها.', tilesPending: 'يجري التحقق من بلاطات السجل…', tilesVerifiedDetail: 'من البلاطات وحدها ({tiles} منها، دون أي برهان من الخادم): جذر كل القيود ({size}) هو الجذر الموقّع، والقيود ({n}) في هذه الصفحة موجودة فيه.' },
} as const;
