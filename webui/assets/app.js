/* threatrec web UI - a small single-page app over the JSON API (docs/api.md).
 * No framework, no external resources; all text goes in with textContent. */
'use strict';
(function () {
  var me = null;              /* {user, role, extension, csrf} */
  var liveTimer = null;
  var recTimer = null, recShown = null;   /* the recording page's id and its re-check */
  var recsOffset = 0, auditOffset = 0;
  var PAGE = 50;

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'class') e.className = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function toast(msg, bad) {
    var d = el('div', bad ? { 'class': 'bad' } : null, msg);
    $('toast').appendChild(d);
    setTimeout(function () { d.remove(); }, bad ? 7000 : 4000);
  }

  /* fetch wrapper: JSON in and out, CSRF header on state-changing requests */
  function api(method, path, body) {
    var opts = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    if (method !== 'GET' && me && me.csrf) opts.headers['X-CSRF-Token'] = me.csrf;
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.status === 401 && path !== '/api/login') { showLogin(); }
        if (!r.ok) {
          var e = new Error(j.error || ('HTTP ' + r.status));
          e.status = r.status;
          throw e;
        }
        return j;
      });
    });
  }

  /* the note's limit is 511 UTF-8 bytes (the vault's field): cut at a
   * character, never let a long note make the mark itself fail */
  var NOTE_MAX_BYTES = 511;
  function fitBytes(s, max) {
    var enc = new TextEncoder();
    if (enc.encode(s).length <= max) return s;
    var out = '';
    for (var ch of s) {
      if (enc.encode(out + ch).length > max) break;
      out += ch;
    }
    return out;
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function fmtTime(iso) {
    if (!iso) return '';
    var d = (typeof iso === 'number') ? new Date(iso > 1e12 ? iso / 1e6 : iso * 1000) : new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
  }
  function fmtDur(s) {
    if (s === undefined || s === null || s === '') return '';
    s = Math.max(0, Math.floor(Number(s)));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ':' + pad(m) : m) + ':' + pad(sec);
  }
  function pick(o, names) {
    for (var i = 0; i < names.length; i++) if (o[names[i]] !== undefined && o[names[i]] !== null) return o[names[i]];
    return '';
  }
  /* caller number, plus the P-Asserted-Identity when the network asserted
   * another one */
  function fillCaller(td, caller, asserted) {
    td.textContent = caller || '';
    if (asserted && asserted !== caller)
      td.appendChild(el('small', { 'class': 'asserted', 'data-testid': 'caller-asserted' }, 'asserted: ' + asserted));
  }
  function fmtBytes(n) {
    n = Number(n);
    if (!isFinite(n)) return '';
    var u = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : String(n)) + ' ' + u[i];
  }
  function fmtUptime(s) {
    s = Math.max(0, Math.floor(Number(s)));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return (d ? d + ' d ' : '') + (d || h ? h + ' h ' : '') + m + ' min' + (d || h ? '' : ' ' + (s % 60) + ' s');
  }
  function stateBadge(s) { return el('span', { 'class': 'state state-' + String(s).replace(/[^a-z]/g, '') }, s); }

  /* ---- views ---- */
  var views = ['login', 'password', 'live', 'recordings', 'recording', 'audit', 'status', 'users'];
  function show(name) {
    views.forEach(function (v) { $('view-' + v).hidden = (v !== name); });
    document.querySelectorAll('.topbar nav a').forEach(function (a) {
      if (a.id === 'nav-' + name || (name === 'recording' && a.id === 'nav-recordings'))
        a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    if (liveTimer && name !== 'live') { clearInterval(liveTimer); liveTimer = null; }
    if (name !== 'recording') {
      recShown = null;
      if (recTimer) { clearTimeout(recTimer); recTimer = null; }
    }
  }
  function showLogin() {
    me = null;
    /* nothing of the last session may stay: stop its audio, drop its lists */
    var player = $('player');
    if (player.pause) player.pause();
    player.removeAttribute('src');
    if (player.load) player.load();
    ['calls-body', 'recordings-body', 'rec-meta', 'audit-head', 'audit-body', 'status-cards',
     'users-body'].forEach(function (id) { $(id).textContent = ''; });
    $('password-form').reset();
    $('password-error').textContent = '';
    if (recTimer) { clearTimeout(recTimer); recTimer = null; }
    $('username').value = '';
    $('topbar').hidden = true;
    show('login');
    $('username').focus();
  }
  function defaultView() {
    if (!me) return 'login';
    if (me.role === 'investigator') return 'recordings';
    return 'live';
  }
  function allowed(navId) {
    var a = $(navId);
    return a && me && a.getAttribute('data-roles').split(' ').indexOf(me.role) >= 0;
  }
  function setMe(j) {
    me = j;
    $('topbar').hidden = false;
    $('who').textContent = me.user + ' (' + me.role + (me.extension ? ', ext. ' + me.extension : '') + ')';
    document.querySelectorAll('.topbar nav a').forEach(function (a) {
      /* until an admin-set password is replaced, nothing else answers */
      a.hidden = me.must_change || a.getAttribute('data-roles').split(' ').indexOf(me.role) < 0;
    });
  }

  function route() {
    if (!me) { showLogin(); return; }
    var h = location.hash.replace(/^#\/?/, '');
    var parts = h.split('/');
    var v = parts[0] || defaultView();
    if (me.must_change || v === 'password') {
      show('password');
      $('password-required').hidden = !me.must_change;
      $('current-password').focus();
      return;
    }
    if (v === 'recordings' && parts[1] && allowed('nav-recordings')) {
      var rid = null;
      try { rid = decodeURIComponent(parts[1]); } catch (e) { /* bad %-escape: the list */ }
      if (rid !== null) return openRecording(rid);
    }
    if (!allowed('nav-' + v)) v = defaultView();
    if (v === 'live') { show('live'); refreshCalls(); liveTimer = liveTimer || setInterval(refreshCalls, 2000); }
    else if (v === 'recordings') { show('recordings'); searchRecordings(); }
    else if (v === 'audit') { show('audit'); loadAudit(); }
    else if (v === 'status') { show('status'); loadStatus(); }
    else if (v === 'users') { show('users'); loadUsers(); }
    $('main').focus({ preventScroll: true });
  }

  /* ---- login ---- */
  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    $('login-error').textContent = '';
    $('logout-note').hidden = true;
    $('login-button').disabled = true;
    api('POST', '/api/login', { username: $('username').value, password: $('password').value })
      .then(function (j) { $('password').value = ''; setMe(j); route(); })
      .catch(function (e) { $('login-error').textContent = e.message; })
      .then(function () { $('login-button').disabled = false; });
  });
  $('logout').addEventListener('click', function () {
    // nothing of this user's session may stay on screen for the next one
    $('toast').textContent = '';
    var note = '';
    // say so when the session may not be over everywhere (shared workstations)
    api('POST', '/api/logout')
      .then(function (j) {
        if (j && j.vault_informed === false)
          note = 'Logged out of this web UI, but the vault could not be reached to end the ' +
            'session there: this web UI refuses the session and tells the vault once it is back.';
      })
      .catch(function (e) {
        if (e.status !== 401)
          note = 'Logout failed (' + e.message + '): the session may still be valid. Try again, ' +
            'or close the browser.';
      })
      .then(function () {
        location.hash = ''; showLogin();
        $('logout-note').textContent = note; $('logout-note').hidden = !note;
      });
  });

  /* ---- own password ---- */
  // an earlier answer must not stand under what is typed now (the browser's
  // own length check may block the next submit)
  $('password-form').addEventListener('input', function () { $('password-error').textContent = ''; });
  $('password-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    $('password-error').textContent = '';
    if ($('new-password-1').value !== $('new-password-2').value) {
      $('password-error').textContent = 'The two new passwords differ.';
      return;
    }
    $('password-button').disabled = true;
    api('POST', '/api/me/password', { current_password: $('current-password').value,
      new_password: $('new-password-1').value })
      .then(function () {
        $('password-form').reset();
        toast('Password changed. Your other sessions have ended.');
        return api('GET', '/api/me').then(function (j) { setMe(j); location.hash = ''; route(); });
      })
      .catch(function (e) { $('password-error').textContent = e.message; })
      .then(function () { $('password-button').disabled = false; });
  });

  /* ---- live calls ---- */
  function markCell(c, canMark) {
    var td = el('td', { 'class': 'mark-td' });
    var wrap = el('div', { 'class': 'mark-cell' });
    td.appendChild(wrap);
    return td;
  }
  function fillMark(td, c, canMark, vaultUp) {
    var wrap = td.firstChild;
    var key = c.marked ? 'marked:' + vaultUp + JSON.stringify(c.mark) : (canMark ? 'open:' + vaultUp : 'none');
    if (wrap.getAttribute('data-key') === key) return;
    wrap.setAttribute('data-key', key);
    while (wrap.firstChild) wrap.removeChild(wrap.firstChild);
    if (c.marked || (c.mark && c.mark.state === 'requested')) {
      var m = c.mark || {};
      var b = el('span', { 'class': 'marked-badge', 'data-testid': 'marked-badge' },
        m.state === 'requested' ? 'Mark requested by phone' :
          'Marked' + (m.by ? ' by ' + m.by : (vaultUp ? '' : ' (by: unknown, vault unavailable)')));
      var info = [];
      if (m.at) info.push(fmtTime(m.at) + ' UTC');
      if (m.recording) info.push('recording ' + m.recording);
      if (m.state && m.state !== 'requested') info.push('state: ' + m.state);
      if (info.length) b.appendChild(el('small', null, info.join(' \u00b7 ')));
      if (m.note) b.appendChild(el('small', { 'class': 'mark-note', 'data-testid': 'mark-note' }, 'Note: ' + m.note));
      wrap.appendChild(b);
      if (m.recording && m.state === 'recording' && c.state !== 'ended' && me &&
          (me.role === 'supervisor' || me.role === 'agent')) {
        var stop = el('button', { 'class': 'secondary stop-button', 'data-testid': 'stop-button', type: 'button' },
          'Stop recording');
        stop.addEventListener('click', function () {
          if (!window.confirm('Stop recording this call now? What was recorded so far is sealed.')) return;
          stop.disabled = true;
          api('POST', '/api/recordings/' + encodeURIComponent(m.recording) + '/stop')
            .then(function () { toast('Recording stopped; it will be sealed.'); refreshCalls(); })
            .catch(function (e) { toast('Stop failed: ' + e.message, true); stop.disabled = false; });
        });
        wrap.appendChild(stop);
      }
      return;
    }
    if (!canMark) { wrap.appendChild(el('span', { 'class': 'hint' }, 'not marked')); return; }
    var note = el('input', { 'class': 'note-input', 'data-testid': 'note-input', type: 'text',
      maxlength: String(NOTE_MAX_BYTES), placeholder: 'Note (optional)',
      'aria-label': 'Note for call from ' + c.caller });
    note.addEventListener('input', function () {
      var f = fitBytes(note.value, NOTE_MAX_BYTES);
      if (f !== note.value) { note.value = f; note.title = 'The note is full (' + NOTE_MAX_BYTES + ' bytes)'; }
    });
    /* Enter in the note marks the call, as the button does */
    note.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' && !btn.disabled) { ev.preventDefault(); btn.click(); }
    });
    var btn = el('button', { 'class': 'mark-button', 'data-testid': 'mark-button', type: 'button',
      'aria-label': 'Mark threat: call from ' + c.caller + ' to ' + c.callee }, 'Mark threat');
    btn.addEventListener('click', function () {
      btn.disabled = true;
      api('POST', '/api/calls/' + encodeURIComponent(c.id) + '/mark',
          { note: fitBytes(note.value, NOTE_MAX_BYTES) })
        .then(function (j) {
          toast('Marked as threat: recording ' + j.recording + (j.existing ? ' (already marked)' : ''));
          refreshCalls();
        })
        .catch(function (e) { toast('Mark failed: ' + e.message, true); btn.disabled = false; });
    });
    if (!vaultUp) {
      btn.disabled = true;
      btn.title = 'The vault is unavailable: marking is not possible right now';
    }
    wrap.appendChild(note);
    wrap.appendChild(btn);
  }
  function refreshCalls() {
    api('GET', '/api/calls').then(function (j) {
      var tb = $('calls-body'), seen = {};
      var rows = {};
      Array.prototype.forEach.call(tb.rows, function (r) { rows[r.getAttribute('data-call-id')] = r; });
      (j.calls || []).forEach(function (c) {
        seen[c.id] = true;
        var tr = rows[c.id];
        if (!tr) {
          tr = el('tr', { 'data-call-id': c.id, 'data-sip-call-id': c.call_id, 'data-testid': 'call-row' });
          var LABELS = { caller: 'Caller', callee: 'Callee', agent: 'Agent', start: 'Start (UTC)',
            running: 'Running', state: 'State' };
          ['caller', 'callee', 'agent', 'start', 'running', 'state'].forEach(function (k) {
            tr.appendChild(el('td', { 'class': 'c-' + k + (k === 'running' ? ' num' : ''),
              'data-label': LABELS[k] }));
          });
          tr.appendChild(markCell(c, j.can_mark));
          tb.appendChild(tr);
        }
        fillCaller(tr.cells[0], c.caller, c.caller_asserted);
        tr.cells[1].textContent = c.callee;
        tr.cells[2].textContent = c.agent;
        tr.cells[3].textContent = fmtTime(c.start);
        tr.cells[4].textContent = fmtDur(c.duration);
        if (tr.cells[5].textContent !== c.state) {
          tr.cells[5].textContent = '';
          tr.cells[5].appendChild(stateBadge(c.state));
        }
        tr.classList.toggle('is-marked', !!c.marked);
        /* calls that may still need marking first, the newest on top */
        tr.setAttribute('data-rank', !c.marked && c.state !== 'ended' ? '0' : '1');
        tr.setAttribute('data-start', String(Date.parse(c.start) || 0));
        fillMark(tr.cells[6], c, j.can_mark, j.vault !== false);
      });
      Object.keys(rows).forEach(function (id) { if (!seen[id]) rows[id].remove(); });
      /* reorder only when nobody is typing in a row (moving it would take
       * the focus away from its note field) */
      if (!tb.contains(document.activeElement)) {
        var list = Array.prototype.slice.call(tb.rows), sorted = list.slice().sort(function (a, b) {
          return (a.getAttribute('data-rank') - b.getAttribute('data-rank')) ||
            (b.getAttribute('data-start') - a.getAttribute('data-start'));
        });
        if (sorted.some(function (r, i) { return r !== list[i]; }))
          sorted.forEach(function (r) { tb.appendChild(r); });
      }
      $('calls-empty').hidden = (j.calls || []).length > 0;
      $('live-info').textContent = !j.ring ? 'The capture ring is not available: is threatrec-sniffer running?'
        : !j.sniffer_alive ? 'The sniffer is not responding: these calls may be out of date.'
        : 'Refreshes every 2 seconds. Capture clock ' + fmtTime(j.clock) + ' UTC.';
      $('live-info').classList.toggle('error', !j.ring || !j.sniffer_alive);
      $('vault-banner').hidden = j.vault !== false;
    }).catch(function (e) { if (e.status !== 401) $('live-info').textContent = 'Cannot load calls: ' + e.message; });
  }

  /* ---- recordings ---- */
  function recQuery() {
    var p = new URLSearchParams();
    [['q-caller', 'caller'], ['q-callee', 'callee'], ['q-agent', 'agent'], ['q-marked-by', 'marked_by'],
     ['q-from', 'from'], ['q-to', 'to'], ['q-text', 'q']].forEach(function (f) {
      var v = $(f[0]).value.trim(); if (v) p.set(f[1], v);
    });
    p.set('limit', PAGE); p.set('offset', recsOffset);
    return p.toString();
  }
  function searchRecordings() {
    api('GET', '/api/recordings?' + recQuery()).then(function (j) {
      var tb = $('recordings-body');
      tb.textContent = '';
      var list = j.recordings || [];
      list.forEach(function (r) {
        var id = pick(r, ['id', 'recording']);
        var tr = el('tr', { 'data-recording-id': id, 'data-testid': 'recording-row' });
        var a = el('a', { href: '#/recordings/' + encodeURIComponent(id) }, id);
        var td = el('td'); td.appendChild(a); tr.appendChild(td);
        var ctd = el('td'); fillCaller(ctd, pick(r, ['caller']), r.caller_asserted); tr.appendChild(ctd);
        tr.appendChild(el('td', null, pick(r, ['callee'])));
        tr.appendChild(el('td', null, pick(r, ['agent'])));
        tr.appendChild(el('td', null, fmtTime(pick(r, ['start', 'started_at', 't_start']))));
        tr.appendChild(el('td', { 'class': 'num' }, fmtDur(pick(r, ['duration', 'duration_s']))));
        tr.appendChild(el('td', null, pick(r, ['marked_by'])));
        var st = el('td'); st.appendChild(stateBadge(pick(r, ['state']))); tr.appendChild(st);
        tr.appendChild(el('td', null, pick(r, ['note'])));
        tb.appendChild(tr);
      });
      var total = j.total !== undefined ? j.total : list.length;
      $('recs-info').textContent = list.length ? ('Showing ' + (recsOffset + 1) + '\u2013' + (recsOffset + list.length) +
        ' of ' + total + '.') : 'No recordings match.';
      $('recs-prev').disabled = recsOffset === 0;
      $('recs-next').disabled = recsOffset + list.length >= total;
    }).catch(function (e) { $('recs-info').textContent = 'Search failed: ' + e.message; });
  }
  $('search-form').addEventListener('submit', function (ev) { ev.preventDefault(); recsOffset = 0; searchRecordings(); });
  $('recs-prev').addEventListener('click', function () { recsOffset = Math.max(0, recsOffset - PAGE); searchRecordings(); });
  $('recs-next').addEventListener('click', function () { recsOffset += PAGE; searchRecordings(); });

  var REC_LABELS = { id: 'Recording', call_id: 'SIP Call-ID', from_tag: 'From tag', caller: 'Caller',
    callee: 'Callee', agent: 'Agent', start: 'Started', end: 'Ended', start_ns: 'Started', end_ns: 'Ended',
    duration: 'Duration', codecs: 'Codecs', marked_by: 'Marked by', marked_at: 'Marked at', how: 'Marked how',
    note: 'Note', state: 'State', fail_reason: 'Sealed early / reason', sha256: 'SHA-256', size: 'Size', sealed_at: 'Sealed at' };
  var REC_ORDER = ['id', 'state', 'caller', 'callee', 'agent', 'start', 'start_ns', 'end', 'end_ns', 'duration',
    'codecs', 'marked_by', 'marked_at', 'how', 'note', 'sealed_at', 'size', 'sha256', 'fail_reason', 'call_id', 'from_tag'];
  function human(k) {
    var t = k.replace(/_ns$/, '').replace(/_s$/, '').replace(/_/g, ' ');
    return t.charAt(0).toUpperCase() + t.slice(1);
  }

  function openRecording(id) {
    show('recording');
    var base = '/api/recordings/' + encodeURIComponent(id);
    $('rec-title').textContent = 'Recording ' + id;
    var meta = $('rec-meta');
    meta.textContent = '';
    var player = $('player');
    player.pause && player.pause();
    player.removeAttribute('src');
    if (player.load) player.load();   /* else the last recording's audio stays playable here */
    ['download-wav', 'download-pcap', 'download-evidence'].forEach(function (d) {
      $(d).removeAttribute('href');
      $(d).setAttribute('aria-disabled', 'true');
    });
    $('rec-notice').textContent = '';
    if (recTimer) { clearTimeout(recTimer); recTimer = null; }
    recShown = id;
    api('GET', base).then(function (r) {
      if (recShown !== id) return;    /* the user has moved on */
      meta.textContent = '';
      var keys = Object.keys(r).filter(function (k) {
        if (k === 'caller_asserted') return false;             /* shown with the caller */
        if ((k === 'start_ns' && r.start) || (k === 'end_ns' && (r.end || !r[k]))) return false;
        if (r[k] === '' || r[k] === null) return false;        /* no empty rows */
        return true;
      });
      keys.sort(function (a, b) {
        var ia = REC_ORDER.indexOf(a), ib = REC_ORDER.indexOf(b);
        return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      });
      keys.forEach(function (k) {
        var v = r[k];
        if (/_ns$/.test(k) && typeof v === 'number') v = v ? fmtTime(v) + ' UTC' : '';
        else if (/(^|_)(start|end|at|time|ts)$/.test(k)) v = v ? (fmtTime(v) || v) + ' UTC' : '';
        else if (k === 'duration') v = fmtDur(v) + ' (' + Number(v).toFixed(1) + ' s)';
        else if (k === 'size') v = fmtBytes(v);
        else if (Array.isArray(v)) v = v.join(', ');
        else if (k === 'codecs' && typeof v === 'string') v = v.split(',').join(', ');
        else if (v !== null && typeof v === 'object') v = Object.keys(v).map(function (n) { return n + ': ' + v[n]; }).join(', ');
        meta.appendChild(el('dt', null, REC_LABELS[k] || human(k)));
        var dd = el('dd', { 'data-field': k }, v === null || v === undefined ? '' : v);
        if (k === 'caller' && r.caller_asserted && r.caller_asserted !== r.caller)
          dd.appendChild(el('small', { 'class': 'asserted', 'data-testid': 'caller-asserted' }, 'asserted: ' + r.caller_asserted));
        meta.appendChild(dd);
      });
      var sealed = !r.state || r.state === 'sealed';
      if (sealed) {
        player.src = base + '/audio.wav';
        $('download-wav').href = base + '/audio.wav?download=1';
        $('download-wav').setAttribute('download', id + '.wav');
        $('download-pcap').href = base + '/call.pcap';
        $('download-pcap').setAttribute('download', id + '.pcap');
        $('download-evidence').href = base + '/evidence';
        ['download-wav', 'download-pcap', 'download-evidence'].forEach(function (d) {
          $(d).removeAttribute('aria-disabled');
        });
      } else if (r.state === 'recording') {
        $('rec-notice').textContent = 'Still recording: playback and downloads once it is sealed ' +
          '(this page checks every few seconds).';
        recTimer = setTimeout(function () { recTimer = null; if (recShown === id) openRecording(id); }, 3000);
      } else {
        $('rec-notice').textContent = 'This recording ' + r.state + (r.fail_reason ? ': ' + r.fail_reason : '') +
          '; there is nothing to play or download.';
      }
    }).catch(function (e) {
      if (recShown === id) $('rec-notice').textContent = 'Cannot open this recording: ' + e.message;
    });
  }

  /* ---- audit ---- */
  /* the vault's detail is a JSON text: show it as "label: value" pairs */
  var DETAIL_LABELS = { call_id: 'Call-ID', sha256: 'SHA-256', how: 'Marked how', remote: 'From address',
    gen: 'Generation', size: 'Size (bytes)' };
  function auditDetail(v) {
    var td = el('td', { 'class': 'c-detail audit-detail' });
    var o = v;
    if (typeof v === 'string' && /^\s*[{\[]/.test(v)) { try { o = JSON.parse(v); } catch (e) { o = v; } }
    if (o === null || o === undefined || o === '') return td;
    if (typeof o !== 'object') { td.textContent = String(o); return td; }
    Object.keys(o).forEach(function (k) {
      var x = o[k];
      if (x === null || x === '') return;
      if ((k === 'from' || k === 'to') && typeof x === 'number') {   /* Unix seconds, 0 = unset */
        if (!x) return;
        x = fmtTime(x);
      } else if (/_ns$/.test(k) && typeof x === 'number') x = fmtTime(x);
      else if (/(^|_)(at|start|end|ts)$/.test(k)) x = fmtTime(x) || x;
      else if (x !== null && typeof x === 'object')   /* e.g. the settings of a start row */
        x = Array.isArray(x) ? x.join(', ') : Object.keys(x).map(function (n) {
          var y = x[n];
          return n + ' = ' + (y !== null && typeof y === 'object' ? JSON.stringify(y) : String(y));
        }).join(', ');
      var sp = el('span');
      sp.appendChild(el('b', null, (DETAIL_LABELS[k] || human(k)) + ': '));
      sp.appendChild(document.createTextNode(String(x)));
      td.appendChild(sp);
    });
    return td;
  }
  function loadAudit() {
    api('GET', '/api/audit?limit=' + PAGE + '&offset=' + auditOffset).then(function (j) {
      var rows = j.audit || [], head = $('audit-head'), tb = $('audit-body');
      head.textContent = ''; tb.textContent = '';
      var cols = [];
      rows.forEach(function (r) { Object.keys(r).forEach(function (k) { if (cols.indexOf(k) < 0 && k !== 'hash' && k !== 'prev' && k !== 'sig') cols.push(k); }); });
      var tr = el('tr');
      var AL = { seq: '#', id: '#', ts: 'Time (UTC)', actor: 'Who', action: 'Action', object: 'Object', detail: 'Details' };
      cols.forEach(function (c) { tr.appendChild(el('th', { scope: 'col' }, AL[c] || human(c))); });
      head.appendChild(tr);
      rows.forEach(function (r) {
        var row = el('tr', { 'data-audit-id': pick(r, ['id', 'seq']) });
        cols.forEach(function (c) {
          var v = r[c];
          var isTime = (c === 'ts' || c === 'time' || c === 'at');
          if (c === 'detail') { row.appendChild(auditDetail(v)); return; }
          if (v !== null && typeof v === 'object') v = JSON.stringify(v);
          if (isTime) v = fmtTime(v);
          row.appendChild(el('td', { 'class': isTime ? 'nowrap' : 'c-' + c }, v === undefined || v === null ? '' : v));
        });
        tb.appendChild(row);
      });
      if (!rows.length) tb.appendChild(el('tr')).appendChild(el('td', null, 'No entries.'));
      $('audit-prev').disabled = auditOffset === 0;
      $('audit-next').disabled = rows.length < PAGE;
    }).catch(function (e) { toast('Cannot load the audit log: ' + e.message, true); });
  }
  $('audit-prev').addEventListener('click', function () { auditOffset = Math.max(0, auditOffset - PAGE); loadAudit(); });
  $('audit-next').addEventListener('click', function () { auditOffset += PAGE; loadAudit(); });

  /* ---- status ---- */
  function card(title, pairs, extra) {
    var c = el('div', { 'class': 'card', 'data-testid': 'status-' + title.toLowerCase().replace(/[^a-z]+/g, '-') });
    c.appendChild(el('h2', null, title));
    if (extra) c.appendChild(extra);
    var dl = el('dl');
    pairs.forEach(function (p) {
      dl.appendChild(el('dt', null, p[0]));
      var dd = el('dd', p[2] ? { 'class': p[2] } : null, p[1]);
      dl.appendChild(dd);
    });
    c.appendChild(dl);
    return c;
  }
  function num(v) { return v === undefined || v === null ? '' : Number(v).toLocaleString('en-US'); }
  function loadStatus() {
    api('GET', '/api/status').then(function (j) {
      var box = $('status-cards'), r = j.ring || {}, v = j.vault || {}, w = j.webui || {};
      box.textContent = '';
      if (r.attached) {
        var meter = el('div', { 'class': 'meter', role: 'meter', 'aria-label': 'Ring fill',
          'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': Math.round(100 * r.fill) });
        var bar = el('span'); bar.style.width = Math.round(100 * r.fill) + '%'; meter.appendChild(bar);
        box.appendChild(card('Capture', [
          ['Sniffer', r.writer_alive ? 'running' : 'not responding', r.writer_alive ? 'ok' : 'bad'],
          ['Packets', num(r.packets)], ['Bytes', num(r.bytes)],
          ['Stored packets', num(r.stored_packets)], ['Kernel drops', num(r.kernel_drops), r.kernel_drops ? 'bad' : ''],
          ['Calls in memory', num(r.calls_active)], ['Calls total', num(r.calls_total)],
          ['Capture clock', r.clock ? fmtTime(r.clock) + ' UTC' : '']]));
        box.appendChild(card('Ring', [
          ['Fill', (100 * r.fill).toFixed(1) + ' %'], ['Chunks used', num(r.chunks_used) + ' / ' + num(r.chunks_total)],
          ['Ended calls freed', num(r.evictions_calls)], ['Chunks overwritten', num(r.evictions_chunks)],
          ['Records dropped', num(r.records_dropped), r.records_dropped ? 'bad' : '']], meter));
        var rej = r.rejects || {};
        box.appendChild(card('Rejected packets', Object.keys(rej).map(function (k) { return [k, num(rej[k])]; })));
      } else {
        box.appendChild(card('Capture', [['Ring', 'not available (is threatrec-sniffer running?)', 'bad']]));
      }
      var good = !v.state || ['up', 'ok', 'running'].indexOf(v.state) >= 0;
      var vp = [['State', v.state || 'up', good ? 'ok' : 'bad']];
      var VL = { ring: 'Ring', ring_name: 'Ring name', recordings: 'Recordings', recording_now: 'Recording now',
        pinned: 'Calls pinned', last_seal: 'Last sealed', storage_bytes: 'Storage used', failures: 'Failures',
        protocol_errors: 'Protocol errors', refused_peers: 'Refused peers', uptime_s: 'Up for',
        notify: 'Notifications', sessions: 'Sessions', exports: 'Exports', error: 'Error' };
      Object.keys(v).forEach(function (k) {
        if (k === 'state') return;
        var x = v[k];
        if (k === 'uptime_s') x = fmtUptime(x);
        else if (/_bytes$/.test(k)) x = fmtBytes(x);
        else if (/_ns$/.test(k) && typeof x === 'number') x = fmtTime(x) + ' UTC';
        else if (/(^|_)(at|seal|time)$/.test(k)) x = x ? fmtTime(x) + ' UTC' : 'never';
        else if (x !== null && typeof x === 'object')
          x = Object.keys(x).map(function (n) { return n + ': ' + num(x[n]); }).join(', ');
        else if (typeof x === 'number') x = num(x);
        vp.push([VL[k] || human(k), x === null ? '' : x, k === 'failures' && x !== '0' ? 'bad' : '']);
      });
      box.appendChild(card('Vault', vp));
      box.appendChild(card('Web UI', [['Listening', (w.tls ? 'https://' : 'http://') +
        (String(w.listen).indexOf(':') >= 0 ? '[' + w.listen + ']' : w.listen) + ':' + w.port],
        ['Requests', num(w.requests)], ['Client errors', num(w.errors_4xx)], ['Server errors', num(w.errors_5xx)],
        ['Vault failures', num(w.vault_failures), w.vault_failures ? 'bad' : ''], ['Marks', num(w.marks)]]));
    }).catch(function (e) { toast('Cannot load status: ' + e.message, true); });
  }

  /* ---- users ---- */
  function loadUsers() {
    api('GET', '/api/users').then(function (j) {
      var tb = $('users-body'); tb.textContent = '';
      (j.users || []).forEach(function (u) {
        var name = pick(u, ['user', 'username', 'name']);
        var tr = el('tr', { 'data-user': name });
        tr.appendChild(el('td', null, name));
        tr.appendChild(el('td', null, pick(u, ['role'])));
        tr.appendChild(el('td', null, pick(u, ['extension'])));
        var st = el('td', { 'data-testid': 'user-state' });
        if (u.disabled) {
          st.textContent = 'disabled';
          if (u.pending_by)   /* enabled again, it still needs a second admin */
            st.appendChild(el('span', { 'class': 'pending' }, ' (then awaits approval by an admin other than ' + u.pending_by + ')'));
        } else if (u.pending_by) {
          /* two-person rule: another admin activates it (the vault checks) */
          st.appendChild(el('span', { 'class': 'pending' }, 'awaiting approval (by an admin other than ' + u.pending_by + ')'));
          if (me && u.pending_by !== me.user) {
            var b = el('button', { 'class': 'secondary', 'data-testid': 'approve-button', type: 'button' }, 'Approve');
            b.addEventListener('click', function () {
              b.disabled = true;
              api('POST', '/api/users/' + encodeURIComponent(name) + '/approve')
                .then(function () { toast('User ' + name + ' approved: the account can log in.'); loadUsers(); })
                .catch(function (e) { b.disabled = false; toast('Cannot approve ' + name + ': ' + e.message, true); });
            });
            st.appendChild(document.createTextNode(' '));
            st.appendChild(b);
          }
        } else {
          st.textContent = 'active';
          if (u.must_change)
            st.appendChild(el('span', { 'class': 'pending' }, ' (has not yet set a password of its own)'));
        }
        tr.appendChild(st);
        /* disable (someone left, a password leaked) / enable again; the
         * vault decides, and an enabled investigator or admin waits for a
         * second admin like a new account */
        var act = el('td');
        if (me && name !== me.user) {
          var what = u.disabled ? 'enable' : 'disable';
          var ab = el('button', { 'class': 'secondary', 'data-testid': what + '-button', type: 'button' },
            u.disabled ? 'Enable' : 'Disable');
          ab.addEventListener('click', function () {
            if (what === 'disable' && !window.confirm('Disable ' + name + '? Their sessions end now.')) return;
            ab.disabled = true;
            api('POST', '/api/users/' + encodeURIComponent(name) + '/' + what)
              .then(function (j) {
                toast('User ' + name + (what === 'disable' ? ' disabled.' : ' enabled' +
                  (j && j.awaiting_approval ? '; a second admin must approve the account before it can log in.' : '.')));
                loadUsers();
              })
              .catch(function (e) { ab.disabled = false; toast('Cannot ' + what + ' ' + name + ': ' + e.message, true); });
          });
          act.appendChild(ab);
        }
        tr.appendChild(act);
        tb.appendChild(tr);
      });
    }).catch(function (e) { toast('Cannot load users: ' + e.message, true); });
  }
  $('user-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    api('POST', '/api/users', { username: $('new-username').value, password: $('new-password').value,
      role: $('new-role').value, extension: $('new-extension').value })
      .then(function (j) {
        toast('User ' + $('new-username').value + ' added' + (j && j.awaiting_approval ?
          '; a second admin must approve the account before it can log in.' : '.'));
        $('user-form').reset(); loadUsers();
      })
      .catch(function (e) { toast('Cannot add user: ' + e.message, true); });
  });

  window.addEventListener('hashchange', route);
  api('GET', '/api/me').then(function (j) { setMe(j); route(); }).catch(function () { showLogin(); });
})();
