import { htmlToText, sanitizeEmailHtml, visibleText, decodeCharset, oneLine } from '../../../src/channels/email/text';

describe('email text: what the bot and the operator read', () => {
  it('when a reply quotes the earlier mail after "On … wrote:", then only the new text is kept', () => {
    const text = 'Yes, the router is the white one.\n\nOn Mon, 3 Mar 2025 at 10:00, Vala Telecom <support@vala.test>\nwrote:\n> Which router do you have?\n> Thanks';
    expect(visibleText(text)).toBe('Yes, the router is the white one.');
  });

  it('when Outlook adds its From/Sent header block and a signature, then both are trimmed', () => {
    const text = 'Please cancel my order.\n\nBest regards\nJon\n\n________________________________\nFrom: Vala Telecom <support@vala.test>\nSent: Monday\nSubject: Re: order';
    expect(visibleText(text)).toBe('Please cancel my order.\n\nBest regards\nJon');
    expect(visibleText('Thanks!\n-- \nJon Doe\nACME Ltd')).toBe('Thanks!');
    expect(visibleText('Is roaming included?\n\nSent from my iPhone')).toBe('Is roaming included?');
  });

  it('when a line merely starts with "From:" inside the text, then it is not taken for quoted history', () => {
    expect(visibleText('From: my side everything is fine.\nBut the TV does not work.')).toContain('But the TV does not work.');
  });

  it('when a mail is only a quote, then the whole text is kept rather than nothing', () => {
    expect(visibleText('> old text\n> more')).toBe('> old text\n> more');
  });

  it('when HTML quotes an earlier mail in a blockquote, then the quote can be left out of the text', () => {
    const html = '<p>New question here</p><div class="gmail_quote"><blockquote>old stuff</blockquote></div>';
    expect(htmlToText(html, true)).toBe('New question here');
    expect(htmlToText(html)).toContain('old stuff');
  });

  it('when HTML has scripts, styles, event handlers, iframes and remote images, then the sanitised HTML keeps none of them active', () => {
    const html =
      '<style>body{background:url(https://x.example/t.png)}</style><p onclick="steal()" style="color:red">Hi <a href="javascript:alert(1)">x</a> <a href="https://vala.test">site</a></p>' +
      '<iframe src="https://evil.example"></iframe><img src="https://track.example/p.gif"><img src="cid:logo@x"><form action="https://evil.example"><input name="a"></form><script>alert(1)</script>';
    const safe = sanitizeEmailHtml(html, { 'logo@x': '/api/attachments/abc' });
    expect(safe).not.toMatch(/<script|<style|<iframe|<form|<input|onclick|javascript:|style=|url\(/i);
    expect(safe).toContain('data-remote-src="https://track.example/p.gif"');
    expect(safe).not.toMatch(/\ssrc="https:\/\/track/);
    expect(safe).toContain('src="/api/attachments/abc"');
    expect(safe).toContain('rel="noopener noreferrer nofollow"');
  });

  it('when bytes come in a named charset, then they decode; an unknown charset falls back to UTF-8', () => {
    expect(decodeCharset(Buffer.from([0x46, 0x61, 0x74, 0x75, 0x72, 0xeb]), 'iso-8859-1')).toBe('Faturë');
    expect(decodeCharset(Buffer.from('ok', 'utf8'), 'x-no-such-charset')).toBe('ok');
  });

  it('when a header value carries CR/LF, then it becomes one line', () => {
    expect(oneLine('Ana\r\nBcc: victim@example.com')).toBe('Ana Bcc: victim@example.com');
  });
});
