/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Suggestions while typing (Tier 0 self-help), a progressive enhancement of the "new ticket"
 * form whose first submit offers what may answer it (docs/portal.md, "Offered before a
 * ticket is raised"). After a pause in typing the subject, it sends the form's first step
 * as a lookup (POST .../new with the session's CSRF token, suggest, title and lookup=1: the
 * subject stays out of URLs and logs), whose answer is the search's XML, counted nothing,
 * and shows the results in the polite live region above the form. Once something was
 * offered, the form posts the ticket directly, its suggest input renamed searched: the
 * ticket's create counts that search once (a miss, or a failed deflection: the suggestions
 * did not help), as the page without script counts its first step. No framework; the page
 * works the same without it. Text is put in with textContent only. */
(function () {
  'use strict';
  var NS = 'urn:mod-itsm:xml:1';
  var PAUSE_MS = 600, MIN_CHARS = 3;
  var form = document.querySelector('form[data-suggest]');

  if (!form || !window.fetch || !window.DOMParser) {
    return;
  }
  var input = form.querySelector('[name="title"]');
  var live = document.getElementById(form.getAttribute('data-suggest-region'));
  var step = form.querySelector('input[name="suggest"]');
  var token = form.querySelector('input[name="itsm-csrf"]');
  var stepUrl = form.getAttribute('action');
  var timer = null, asked = '', seq = 0;

  if (!input || !live || !step || !token || !window.URLSearchParams) {
    return;
  }
  var collection = step.value;

  function el(name, cls, text) {
    var e = document.createElement(name);
    if (cls) {
      e.className = cls;
    }
    if (text) {
      e.textContent = text;
    }
    return e;
  }

  function child(node, name) {
    for (var c = node.firstElementChild; c; c = c.nextElementSibling) {
      if (c.localName === name && c.namespaceURI === NS) {
        return c;
      }
    }
    return null;
  }

  /* the form raises the ticket now: the first step (its POST to .../new) was taken by the
   * script, and the create counts its search (searched) */
  function postDirectly() {
    var button = form.querySelector('button[type="submit"]');

    if (step.name === 'searched') {
      return;
    }
    step.name = 'searched';
    form.setAttribute('action', form.getAttribute('data-post'));
    if (button && button.getAttribute('data-post-label')) {
      button.textContent = button.getAttribute('data-post-label');
    }
  }

  function show(list, words) {
    var items = [], c, base = form.getAttribute('data-suggest');

    for (c = list.firstElementChild; c; c = c.nextElementSibling) {
      if (child(c, 'number') && child(c, 'title')) {
        items.push(c);
      }
    }
    while (live.firstChild) {
      live.removeChild(live.firstChild);
    }
    live.appendChild(el('h2', null, items.length
      ? live.getAttribute('data-found') : live.getAttribute('data-none') + ' "' + words + '"'));
    if (items.length) {
      var ol = el('ol', 'results');
      items.forEach(function (item) {
        var li = el('li', 'result'), h = el('h3', 'result-title');
        var a = el('a', null, child(item, 'title').textContent);
        var snippet = child(item, 'snippet');

        a.href = base + '/' + encodeURIComponent(child(item, 'number').textContent);
        h.appendChild(a);
        li.appendChild(h);
        if (snippet) {
          var p = el('p', 'snippet');
          for (var n = snippet.firstChild; n; n = n.nextSibling) {
            p.appendChild(n.nodeType === 1 ? el('mark', null, n.textContent)
                                           : document.createTextNode(n.textContent));
          }
          li.appendChild(p);
        }
        ol.appendChild(li);
      });
      live.appendChild(ol);
    }
    live.appendChild(el('p', null, live.getAttribute('data-after')));
    postDirectly();
  }

  function ask() {
    var words = input.value.replace(/\s+/g, ' ').trim(), mine, body;

    if (words.length < MIN_CHARS || words === asked) {
      return;
    }
    asked = words;
    mine = ++seq;
    body = new URLSearchParams();
    body.append(token.name, token.value);
    body.append('suggest', collection);
    body.append('title', words);
    body.append('lookup', '1');
    /* text/html named as much as application/xml: the portal takes the step (with the
     * browser's sign-in: its session cookie, or its Basic credentials) and answers the
     * search's XML */
    fetch(stepUrl, {
      method: 'POST',
      credentials: 'same-origin',
      redirect: 'error',
      headers: { Accept: 'application/xml, text/html' },
      body: body
    }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (text) {
      var doc = text && new DOMParser().parseFromString(text, 'application/xml');
      var root = doc && doc.documentElement;

      if (mine === seq && root && root.localName === 'list' && root.namespaceURI === NS) {
        show(root, words);
      } else if (mine === seq) {
        asked = '';     /* not answered: the same words may be asked again */
      }
    }).catch(function () {
      /* nothing offered: the form's own first step still is */
      if (mine === seq) {
        asked = '';
      }
    });
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(ask, PAUSE_MS);
  });
}());
