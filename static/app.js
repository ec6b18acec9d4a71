// Kỹ năng số: optional enhancements. Every page works without this file.
// 1. The commune picker gets a search box that narrows the long list as
//    the resident types (accents optional: "my an" finds "Mỹ An").
// 2. A quiz form gets its idempotency key (_sub): shared lesson pages are
//    the same bytes for everyone, so the key is made here, once per page
//    view and set of answers: a double tap, or a resend from the outbox,
//    counts once; changed answers are a new attempt.
// 3. Offline: the service worker (sw.js) is registered; a module can be
//    saved for reading without a signal; the page says when quiz answers
//    wait on the phone to be sent; the offline page lists what is kept.
// 4. "Nghe bài" reads the lesson aloud with the phone's own voice for the
//    lesson's language (the buttons stay hidden when it has none).
// 5. "Chia sẻ bài này" opens the phone's share sheet (Zalo, ...), or
//    copies the link; without script it is a plain link to the lesson.
(function () {
  'use strict';
  var $ = function (sel) { return document.querySelector(sel); };

  var fold = function (s) {
    return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
  };
  var select = $('select[data-search-label]');
  if (select) {
    var label = document.createElement('label');
    label.htmlFor = 'commune-search';
    label.textContent = select.getAttribute('data-search-label');
    var input = document.createElement('input');
    input.type = 'text';
    input.id = 'commune-search';
    input.className = 'search';
    input.autocomplete = 'off';
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(input, select);
    var options = Array.prototype.slice.call(select.querySelectorAll('option[value]:not([value=""])'));
    input.addEventListener('input', function () {
      var q = fold(input.value.trim());
      var first = null;
      options.forEach(function (o) {
        var hit = q === '' || fold(o.textContent).indexOf(q) >= 0 || fold(o.parentNode.label || '').indexOf(q) >= 0;
        o.hidden = !hit;
        o.disabled = !hit;
        if (hit && !first) { first = o; }
      });
      if (q !== '' && first && (select.selectedIndex < 0 || select.options[select.selectedIndex].hidden)) {
        first.selected = true;
      }
    });
  }

  var newKey = function () {
    var b = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(b);
    return btoa(String.fromCharCode.apply(null, b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  var quiz = $('form[action*="/quiz"]');
  if (quiz && quiz.elements._sub) {
    var sent = null;
    quiz.addEventListener('submit', function () {
      var answers = Array.prototype.filter.call(quiz.elements, function (e) { return e.checked; })
        .map(function (e) { return e.name + '=' + e.value; }).join('&');
      if (!quiz.elements._sub.value || (sent !== null && sent !== answers)) {
        quiz.elements._sub.value = newKey();
      }
      sent = answers;
    });
  }

  if ('serviceWorker' in navigator) {
    var box = $('.outbox');
    var waiting = box && box.textContent;
    var had = 0;
    navigator.serviceWorker.onmessage = function (e) {
      if (!box || !e.data || typeof e.data.outbox !== 'number') { return; }
      if (e.data.outbox > 0) {
        box.textContent = waiting;
        box.hidden = false;
      } else if (had > 0) {
        box.textContent = box.getAttribute('data-sent');
        box.hidden = false;
      } else {
        box.hidden = true;
      }
      had = e.data.outbox;
    };
    var flush = function () {
      if (navigator.serviceWorker.controller) { navigator.serviceWorker.controller.postMessage('flush'); }
    };
    window.addEventListener('online', flush);
    // The first page a phone opens is not yet the worker's: ask it to keep
    // a copy of this one too, once it runs.
    // The worker is registered once the page is idle after loading: its
    // start and its first downloads then never compete with the reader's
    // first taps on a slow phone.
    var first = !navigator.serviceWorker.controller;
    var register = function () {
      navigator.serviceWorker.register('/sw.js').then(function () {
        flush();
        return first && navigator.serviceWorker.ready.then(function (r) {
          r.active.postMessage({keep: location.href});
        });
      }).catch(function () {});
    };
    window.addEventListener('load', function () {
      if (window.requestIdleCallback) {
        window.requestIdleCallback(register, {timeout: 5000});
      } else {
        setTimeout(register, 1000);
      }
    });
  }

  // Pages are kept under their path and language only (as sw.js does).
  var pageKey = function (u) {
    u = new URL(u, location.href);
    return u.origin + u.pathname + (u.searchParams.get('lang') === 'en' ? '?lang=en' : '');
  };
  var save = $('.save');
  if (save && 'caches' in window && 'serviceWorker' in navigator) {
    save.hidden = false;
    var button = save.querySelector('button');
    var status = save.querySelector('.save-status');
    var keepAsset = function (u) {
      return caches.open('kns-assets').then(function (c) {
        return c.match(u).then(function (hit) { return hit || c.add(u); });
      });
    };
    button.addEventListener('click', function () {
      button.disabled = true;
      status.textContent = save.getAttribute('data-saving');
      var urls = save.getAttribute('data-urls').trim().split(/\s+/);
      caches.open('kns-pages').then(function (cache) {
        return Promise.all(urls.map(function (u) {
          return fetch(u, {headers: {'Kns-Offline-Copy': '1'}}).then(function (res) {
            if (!res.ok) { throw new Error(u + ': ' + res.status); }
            return res.clone().text().then(function (html) {
              var files = html.match(/\/(?:static|media)\/[A-Za-z0-9_-]+\/[A-Za-z0-9._-]+/g) || [];
              return Promise.all([cache.put(pageKey(u), res)].concat(files.map(keepAsset)));
            });
          });
        }));
      }).then(function () {
        status.textContent = save.getAttribute('data-saved');
        save.classList.add('saved');
      }, function () {
        status.textContent = save.getAttribute('data-failed');
        button.disabled = false;
      });
    });
  }

  var kept = $('.kept');
  if (kept && 'caches' in window) {
    caches.open('kns-pages').then(function (cache) {
      return cache.keys().then(function (reqs) {
        return Promise.all(reqs.filter(function (r) {
          return /^\/modules\/[^/]+\/[^/]+$/.test(new URL(r.url).pathname);
        }).map(function (r) {
          return cache.match(r).then(function (res) { return res.text(); }).then(function (html) {
            var title = new DOMParser().parseFromString(html, 'text/html').title.split(' · ')[0];
            return {url: r.url, title: title};
          });
        }));
      });
    }).then(function (list) {
      if (!list.length) { return; }
      var ul = kept.querySelector('ul');
      list.sort(function (a, b) { return a.url < b.url ? -1 : 1; }).forEach(function (p) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = p.url;
        a.className = 'lesson-link';
        a.textContent = p.title;
        li.appendChild(a);
        ul.appendChild(li);
      });
      kept.hidden = false;
    }).catch(function () {});
  }

  var listen = $('.listen');
  var article = $('article');
  if (listen && article && window.speechSynthesis && window.SpeechSynthesisUtterance) {
    var synth = window.speechSynthesis;
    var lang = (article.getAttribute('lang') || document.documentElement.lang || 'vi').toLowerCase();
    var play = listen.querySelector('[data-act=play]');
    var slowButton = listen.querySelector('[data-act=slow]');
    var playLabel = play.textContent;
    var voice = null, parts = [], at = 0, playing = false, slow = false, turn = 0;
    var findVoice = function () {
      var voices = synth.getVoices();
      voice = null;
      for (var i = 0; i < voices.length; i++) {
        if (voices[i].lang.toLowerCase().replace('_', '-').indexOf(lang) === 0) { voice = voices[i]; break; }
      }
      listen.hidden = !voice;
    };
    findVoice();
    synth.addEventListener('voiceschanged', findVoice);
    var texts = function () {
      var els = article.querySelectorAll('h1, .goals h2, .goals li, .body h2, .body h3, .body p, .body li, .body th, .body td');
      return Array.prototype.filter.call(els, function (el) {
        return !el.querySelector('p, li');
      }).map(function (el) { return el.textContent.trim(); }).filter(Boolean);
    };
    var stop = function () {
      turn++;
      synth.cancel();
    };
    var speak = function () {
      if (at >= parts.length) {
        playing = false;
        at = 0;
        play.textContent = playLabel;
        return;
      }
      var mine = ++turn;
      var u = new SpeechSynthesisUtterance(parts[at]);
      u.voice = voice;
      u.lang = voice.lang;
      u.rate = slow ? 0.7 : 1;
      u.onend = function () {
        if (playing && mine === turn) {
          at++;
          speak();
        }
      };
      synth.speak(u);
    };
    play.addEventListener('click', function () {
      if (playing) {
        playing = false;
        stop();
        play.textContent = listen.getAttribute('data-resume');
        return;
      }
      if (!parts.length || at === 0) { parts = texts(); }
      playing = true;
      play.textContent = listen.getAttribute('data-pause');
      stop();
      speak();
    });
    slowButton.addEventListener('click', function () {
      slow = !slow;
      slowButton.setAttribute('aria-pressed', String(slow));
      if (playing) {
        stop();
        speak();
      }
    });
    window.addEventListener('pagehide', stop);
  }

  var share = $('.share-link');
  if (share) {
    var said = function (text) {
      var p = share.parentNode.querySelector('.share-status');
      if (!p) {
        p = document.createElement('span');
        p.className = 'share-status';
        p.setAttribute('role', 'status');
        share.parentNode.appendChild(p);
      }
      p.textContent = text;
    };
    share.addEventListener('click', function (e) {
      if (navigator.share) {
        e.preventDefault();
        navigator.share({title: share.getAttribute('data-title'), url: share.href}).catch(function () {});
      } else if (navigator.clipboard && window.isSecureContext) {
        e.preventDefault();
        navigator.clipboard.writeText(share.href).then(function () { said(share.getAttribute('data-copied')); }, function () {});
      }
    });
  }
}());
