// The notice shown before the camera starts when the session's policy compares faces: a face
// template is kept for this account, and for how long. Own table (five languages) so the page's
// main strings stay untouched.
import { pickLocale, type Locale } from './i18n.ts';

export interface IdentityInfo {
  mode: string;
  retention_days: number;
}

const TEXT: Record<Locale, (days: number) => string> = {
  en: (d) => `This check also compares your face with the one saved for this account. A face template (numbers computed from your face, not a photo) is kept for this account for up to ${d} days, then deleted; you can ask the service to delete it sooner.`,
  es: (d) => `Esta comprobación también compara su rostro con el guardado para esta cuenta. Se conserva una plantilla facial (números calculados a partir de su rostro, no una foto) para esta cuenta hasta ${d} días y después se borra; puede pedir al servicio que la borre antes.`,
  fr: (d) => `Cette vérification compare aussi votre visage à celui enregistré pour ce compte. Un modèle facial (des nombres calculés à partir de votre visage, pas une photo) est conservé pour ce compte jusqu'à ${d} jours, puis supprimé ; vous pouvez demander au service de le supprimer plus tôt.`,
  de: (d) => `Diese Prüfung vergleicht Ihr Gesicht auch mit dem für dieses Konto gespeicherten. Ein Gesichtsmerkmal-Datensatz (aus Ihrem Gesicht berechnete Zahlen, kein Foto) wird für dieses Konto bis zu ${d} Tage gespeichert und dann gelöscht; Sie können den Dienst bitten, ihn früher zu löschen.`,
  pt: (d) => `Esta verificação também compara o seu rosto com o guardado para esta conta. Um modelo facial (números calculados a partir do seu rosto, não uma foto) é guardado para esta conta por até ${d} dias e depois apagado; pode pedir ao serviço que o apague antes.`,
};

export function identityNoticeText(info: IdentityInfo, languages: readonly string[]): string {
  return TEXT[pickLocale(languages)](info.retention_days);
}

/** Shows (or removes) the notice right after `anchor`. */
export function showIdentityNotice(info: IdentityInfo | undefined, anchor: HTMLElement, languages: readonly string[] = navigator.languages): void {
  document.getElementById('identity-notice')?.remove();
  if (!info) return;
  const p = document.createElement('p');
  p.id = 'identity-notice';
  p.dataset.testid = 'identity-notice';
  p.textContent = identityNoticeText(info, languages);
  anchor.after(p);
}
