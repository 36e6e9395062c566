import { snippetHtml } from './manage.pages';

describe('snippetHtml', () => {
  it('keeps the service’s escaped text and marks as they are', () => {
    expect(snippetHtml('&lt;b&gt; <mark>refund</mark> &amp; &quot;x&quot; &#39;').value).toBe(
      '&lt;b&gt; <mark>refund</mark> &amp; &quot;x&quot; &#39;',
    );
  });

  it('escapes anything else that looks like markup', () => {
    expect(snippetHtml('<img src=x onerror=alert(1)><mark>a</mark> & <mark onclick=x>').value).toBe(
      '&lt;img src=x onerror=alert(1)&gt;<mark>a</mark> &amp; &lt;mark onclick=x&gt;',
    );
  });

  it('closes a mark left open and drops a stray closing one', () => {
    expect(snippetHtml('<mark>a').value).toBe('<mark>a</mark>');
    expect(snippetHtml('a</mark>').value).toBe('a&lt;/mark&gt;');
  });
});
