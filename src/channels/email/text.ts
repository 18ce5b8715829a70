// Text helpers for mail bodies: HTML → plain text for the bot, HTML →
// sanitised HTML for the console (no scripts, no styles, no remote images
// loaded by default), charset decoding, and trimming quoted history and
// signatures from what the bot and the operator read.
import { convert } from 'html-to-text';
import sanitize from 'sanitize-html';

/** Largest text handed to the bot and the operator; the full original is kept with the mail. */
export const MAX_VISIBLE_TEXT = 4000;
const MAX_HTML_TO_CONVERT = 2 * 1024 * 1024;

const QUOTE_SELECTORS = ['blockquote', 'div.gmail_quote', 'div.moz-cite-prefix', 'div#divRplyFwdMsg', 'div#appendonsend', 'div.yahoo_quoted'];

/** Plain text of an HTML body; `withoutQuotes` drops quoted replies marked up by common clients. */
export function htmlToText(html: string, withoutQuotes = false): string {
  if (!html) return '';
  const skip = withoutQuotes ? QUOTE_SELECTORS.map((selector) => ({ selector, format: 'skip' })) : [];
  return convert(html.slice(0, MAX_HTML_TO_CONVERT), {
    wordwrap: false,
    selectors: [
      { selector: 'img', format: 'skip' },
      // Link targets stay in the sanitised HTML; in text they are noise (and may be javascript:).
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'table', format: 'dataTable' },
      ...skip,
    ],
  }).trim();
}

/**
 * HTML safe to show in the console: allow-listed tags and attributes only,
 * no script/style/iframe/form, links open in a new tab without referrer,
 * remote images kept as data-remote-src (the console may load them on
 * request), inline images (cid:) pointed at our attachment URLs.
 */
export function sanitizeEmailHtml(html: string, cidUrls: Record<string, string> = {}): string {
  if (!html) return '';
  return sanitize(html.slice(0, MAX_HTML_TO_CONVERT), {
    allowedTags: [...sanitize.defaults.allowedTags, 'img', 'font', 'center'],
    allowedAttributes: {
      a: ['href', 'title', 'target', 'rel'],
      img: ['src', 'alt', 'title', 'width', 'height', 'data-remote-src'],
      td: ['colspan', 'rowspan', 'align', 'valign'],
      th: ['colspan', 'rowspan', 'align', 'valign'],
      table: ['border', 'cellpadding', 'cellspacing', 'width'],
      font: ['color'],
      '*': ['dir', 'lang'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['data'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' } }),
      img: (tagName, attribs) => {
        const src = (attribs.src ?? '').trim();
        const { src: _drop, ...rest } = attribs;
        const cid = /^cid:(.+)$/i.exec(src);
        if (cid) {
          const url = cidUrls[cid[1].replace(/^<|>$/g, '')];
          return { tagName, attribs: url ? { ...rest, src: url } : rest };
        }
        if (/^https?:/i.test(src)) return { tagName, attribs: { ...rest, 'data-remote-src': src } };
        if (/^data:image\/(png|gif|jpe?g|webp);/i.test(src)) return { tagName, attribs: { ...rest, src } };
        return { tagName, attribs: rest };
      },
    },
  });
}

/** Decode bytes in a named charset; unknown charsets fall back to UTF-8 (never throws). */
export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const name = (charset ?? 'utf-8').trim().toLowerCase() || 'utf-8';
  try {
    return new TextDecoder(name).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

// Where quoted history starts: "On … wrote:", Outlook's separators and header blocks, Albanian "shkroi:".
const QUOTE_START = [
  /^On .{0,300}wrote:\s*$/i,
  /^Am .{0,300}schrieb .{0,100}:\s*$/i,
  /^Le .{0,300}a écrit\s*:\s*$/i,
  /^Më .{0,300}shkroi:\s*$/i,
  /^.{0,300} shkroi:\s*$/i,
  /^-{2,}\s*Original Message\s*-{2,}\s*$/i,
  /^-{2,}\s*Forwarded message\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
  /^From:\s.+$/i,
];
const SIGNATURE_START = [/^--\s?$/, /^Sent from my .{1,60}$/i, /^Get Outlook for .{1,40}$/i, /^Dërguar nga .{1,60}$/i];

/**
 * What the customer wrote this time: the text before quoted history, without
 * the signature. When trimming would leave nothing, the whole text is kept.
 */
export function visibleText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const t = line.trim();
    // "On Mon, … <x@y>\nwrote:" is often wrapped onto two lines.
    const joined = i + 1 < lines.length ? `${t} ${lines[i + 1].trim()}` : t;
    if (QUOTE_START.some((re) => re.test(t)) || (/^On\s/i.test(t) && /wrote:\s*$/i.test(joined))) {
      // "From:" only starts a quote when a "Sent:"/"Date:" line follows (Outlook's header block).
      if (/^From:/i.test(t) && !/^(Sent|Date|To|Subject):/i.test((lines[i + 1] ?? '').trim())) {
        out.push(line);
        continue;
      }
      break;
    }
    if (SIGNATURE_START.some((re) => re.test(line.trimEnd()))) break;
    if (t.startsWith('>')) continue;
    out.push(line);
  }
  const trimmed = out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  const result = trimmed || text.trim();
  return result.length > MAX_VISIBLE_TEXT ? `${result.slice(0, MAX_VISIBLE_TEXT)}…` : result;
}

/** Escape text for an HTML body. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A header-safe single line: no CR/LF/NUL or other control characters, bounded length. */
export function oneLine(s: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
}
