// Folds text for matching: lowercase, no diacritics (ë→e, ç→c), letters and
// digits only, single spaces. Flows match replies on folded text.
export function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9@+#*]+/g, ' ')
    .trim();
}
