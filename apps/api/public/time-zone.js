// Optional: the campaign form works without it. Where the donor has not chosen a time zone yet
// (the select is marked data-prefill="browser"), choose the browser's, adding it when not listed.
const select = document.querySelector('select[name="timeZone"][data-prefill="browser"]');
let zone = null;
try {
  zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
} catch {
  zone = null;
}
if (select && typeof zone === 'string' && /^[A-Za-z0-9_+\-/]{1,64}$/.test(zone)) {
  let option = Array.from(select.options).find((o) => o.value === zone);
  if (!option) {
    option = new Option(zone.replace(/_/g, ' '), zone);
    select.insertBefore(option, select.firstChild);
  }
  select.value = zone;
}
