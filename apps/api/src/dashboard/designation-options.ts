import type { Designation } from '@ataa/campaigns';

/** One `<option>` of a dashboard form's designation choice (offline gift, matching collection). */
export interface DesignationOption { value: string; label: string; selected: boolean }

/**
 * The campaign's declared designations as options in the page's language (the zakat-eligible ones
 * marked), the chosen one selected, else the first (the default the service applies too). None
 * declared: no choice is shown (every gift is general).
 */
export function designationOptions(declared: readonly Designation[], language: 'en' | 'ar', chosen: string, zakatTag: string): DesignationOption[] | null {
  if (declared.length === 0) return null;
  const known = declared.some((d) => d.code === chosen);
  return declared.map((d, i) => ({
    value: d.code, label: `${language === 'ar' ? d.labelAr : d.labelEn}${d.zakat ? ` (${zakatTag})` : ''}`, selected: known ? d.code === chosen : i === 0,
  }));
}
