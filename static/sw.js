// Kỹ năng số: the service worker, served at /sw.js. Plain JavaScript, no
// framework. Every page works without it; it only adds reading without a
// signal:
// 1. It keeps a copy of each page a resident opens (home, module, lesson,
//    glossary) and of every page of a module saved with "Lưu để học khi
//    không có mạng". Pages come from the network first (they are small, and
//    a page the phone already holds costs a 304); the copy is shown when
//    there is no signal, or when the network has not answered in 8 seconds.
// 2. The copies are never personal: a signed-in learner's own pages are
//    no-store, so the copy is fetched as every reader sees the page (the
//    Kns-Offline-Copy header), with this phone's text settings.
// 3. A quiz sent without a signal is kept in IndexedDB (the outbox) and
//    sent again when the signal returns (Background Sync where the phone
//    has it, else when a page opens or the phone comes online). The form's
//    idempotency key (_sub) makes a second sending count once. Before the
//    phone signs someone in or out, what waits is sent first, so answers
//    are never recorded for the next person on a shared phone.
// The server fills in VERSION and SHELL (internal/web/offline.go).
'use strict';

var VERSION = '__VERSION__';
var SHELL = __SHELL__;
var SHELL_CACHE = 'kns-shell-' + VERSION;
var PAGES = 'kns-pages';
var ASSETS = 'kns-assets';
var COPY_HEADER = 'Kns-Offline-Copy';
var WAIT = 8000;

self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(SHELL_CACHE).then(function (c) {
    return c.addAll(SHELL);
  }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf('kns-shell-') === 0 && k !== SHELL_CACHE;
    }).map(function (k) {
      return caches.delete(k);
    }));
  }).then(function () {
    return self.clients.claim();
  }));
});

self.addEventListener('fetch', function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (req.method === 'POST' && /^\/modules\/[^/]+\/[^/]+\/quiz$/.test(url.pathname)) {
    e.respondWith(quiz(req));
  } else if (req.method === 'POST' && /^\/(logout|login|resume|register|join\/[^/]+|me\/delete)$/.test(url.pathname)) {
    // These change who is signed in on this phone: what waits in the
    // outbox was answered by the one signed in now, so it goes first.
    e.respondWith(flush().then(function () { return fetch(req); }));
  } else if (req.method !== 'GET') {
    return;
  } else if (/^\/(static|media)\//.test(url.pathname)) {
    e.respondWith(asset(req));
  } else if (req.mode === 'navigate') {
    e.respondWith(page(e));
  }
});

self.addEventListener('message', function (e) {
  if (e.data === 'flush') {
    e.waitUntil(flush());
  } else if (e.data && typeof e.data.keep === 'string' && new URL(e.data.keep).origin === self.location.origin) {
    e.waitUntil(keep(e.data.keep, null));
  }
});

self.addEventListener('sync', function (e) {
  if (e.tag === 'outbox') {
    e.waitUntil(flush());
  }
});

// pageKey is the address a page is kept under: path and language only.
function pageKey(u) {
  u = new URL(u, self.location.href);
  return u.origin + u.pathname + (u.searchParams.get('lang') === 'en' ? '?lang=en' : '');
}

// readable tells whether a path is a page worth keeping for offline reading.
function readable(u) {
  return /^\/((modules\/[a-z0-9-]+(\/[a-z0-9-]+)?)|glossary)?$/.test(new URL(u).pathname);
}

function page(e) {
  var req = e.request;
  var done = Promise.resolve();
  var net = fetch(req).then(function (res) {
    if (res.ok) {
      done = Promise.all([keep(req.url, res.clone()), flush()]);
    }
    return res;
  });
  e.waitUntil(net.then(function () { return done; }, function () {}));
  return caches.match(pageKey(req.url), {ignoreVary: true}).then(function (hit) {
    if (!hit) {
      return net.catch(function () { return offline(req.url); });
    }
    var late = new Promise(function (resolve) { setTimeout(function () { resolve(hit); }, WAIT); });
    return Promise.race([net, late]).catch(function () { return hit; });
  });
}

// keep stores the copy of a page: the response itself when it is the
// shared page (it has an ETag and may be stored), else the anonymous copy.
function keep(u, res) {
  if (!readable(u)) {
    return Promise.resolve();
  }
  var cc = res ? res.headers.get('Cache-Control') || '' : 'no-store';
  var copy = res && res.headers.get('ETag') && !/no-store|private/.test(cc) ?
    Promise.resolve(res) : fetch(pageKey(u), {headers: copyHeaders()});
  return copy.then(function (r) {
    if (r.ok) {
      return caches.open(PAGES).then(function (c) { return c.put(pageKey(u), r); });
    }
  }).catch(function () {});
}

function copyHeaders() {
  var h = {};
  h[COPY_HEADER] = '1';
  return h;
}

function offline(u) {
  var lang = new URL(u).searchParams.get('lang') === 'en' ? '?lang=en' : '';
  return caches.match('/offline' + lang, {ignoreVary: true}).then(function (hit) {
    return hit || new Response('Offline', {status: 503, headers: {'Content-Type': 'text/plain; charset=utf-8'}});
  });
}

// asset answers styles, scripts and pictures from the phone first: their
// addresses carry a fingerprint, so a kept copy is always right. A page
// kept before a deploy asks for the old fingerprint: offline, the same
// file under another fingerprint stands in.
function asset(req) {
  return caches.match(req, {ignoreVary: true}).then(function (hit) {
    return hit || fetch(req).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        caches.open(ASSETS).then(function (c) { return c.put(req, copy); });
      }
      return res;
    }).catch(function () {
      return sameName(req.url);
    });
  });
}

function sameName(u) {
  var name = '/' + u.split('/').pop();
  return caches.keys().then(function (names) {
    return names.reduce(function (found, n) {
      return found.then(function (r) {
        return r || caches.open(n).then(function (c) {
          return c.keys().then(function (reqs) {
            for (var i = 0; i < reqs.length; i++) {
              if (reqs[i].url.slice(-name.length) === name) {
                return c.match(reqs[i]);
              }
            }
          });
        });
      });
    }, Promise.resolve(undefined));
  }).then(function (r) {
    return r || Response.error();
  });
}

// quiz sends a quiz; without a signal it keeps it in the outbox and shows
// the offline page's note that the answers are kept (#queued).
function quiz(req) {
  var kept = req.clone();
  return fetch(req).catch(function () {
    return kept.text().then(function (body) {
      return store('readwrite', function (s) { return s.add({url: req.url, body: body, at: Date.now()}); });
    }).then(function () {
      if (self.registration.sync) {
        self.registration.sync.register('outbox').catch(function () {});
      }
      return notify();
    }).then(function () {
      var lang = new URL(req.url).searchParams.get('lang') === 'en' ? '?lang=en' : '';
      return Response.redirect(new URL('/offline' + lang + '#queued', self.location.href).href, 303);
    });
  });
}

// The outbox: quizzes waiting to be sent, in IndexedDB.
function openDB() {
  return new Promise(function (resolve, reject) {
    var r = indexedDB.open('kns', 1);
    r.onupgradeneeded = function () { r.result.createObjectStore('outbox', {autoIncrement: true}); };
    r.onsuccess = function () { resolve(r.result); };
    r.onerror = function () { reject(r.error); };
  });
}

function store(mode, fn) {
  return openDB().then(function (db) {
    return new Promise(function (resolve, reject) {
      var t = db.transaction('outbox', mode);
      var req = fn(t.objectStore('outbox'));
      t.oncomplete = function () { db.close(); resolve(req && req.result); };
      t.onerror = t.onabort = function () { db.close(); reject(t.error); };
    });
  });
}

// flush sends what waits, oldest first, and stops at the first that cannot
// go yet. A sending the server answered (a redirect, or a refusal that no
// retry can change) leaves the outbox; a lost one stays for next time.
// One pass runs at a time. A flush asked for during a pass (the signal came
// back while a pass begun offline was failing) makes one more pass after
// it, which the asker's promise includes: otherwise the answers would wait
// for the next page to open.
var flushing = null, again = false;
function flush() {
  if (flushing) {
    again = true;
    return flushing;
  }
  again = false;
  flushing = Promise.all([
    store('readonly', function (s) { return s.getAllKeys(); }),
    store('readonly', function (s) { return s.getAll(); })
  ]).then(function (got) {
    var keys = got[0], items = got[1];
    return items.reduce(function (p, item, i) {
      return p.then(function (go) {
        return go && send(item).then(function (sent) {
          return sent && store('readwrite', function (s) { return s.delete(keys[i]); }).then(function () { return true; });
        });
      });
    }, Promise.resolve(true));
  }).catch(function () {}).then(notify).then(function () {
    flushing = null;
    if (again) {
      return flush();
    }
  });
  return flushing;
}

function send(item) {
  return fetch(item.url, {
    method: 'POST',
    body: item.body,
    headers: {'Content-Type': 'application/x-www-form-urlencoded'},
    credentials: 'same-origin',
    redirect: 'manual'
  }).then(function (res) {
    if (res.type === 'opaqueredirect') {
      return true;
    }
    return res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
  }, function () {
    return false;
  });
}

// notify tells every open page how many answers wait (app.js shows it).
function notify() {
  return store('readonly', function (s) { return s.count(); }).catch(function () { return 0; }).then(function (n) {
    return self.clients.matchAll({includeUncontrolled: true}).then(function (list) {
      list.forEach(function (c) { c.postMessage({outbox: n}); });
    });
  });
}
