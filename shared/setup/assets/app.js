// leverlink hosted setup page. Plain script, no framework, no build step.
// Everything shown comes from GET /setup/api/state and is written with
// textContent (never innerHTML). Every state change sends the CSRF token.
(function () {
  'use strict';

  var TRIGGERS = {
    contact_accepted: ['The candidate accepts your contact request',
      'Recommended. The candidate is added once they agree to be contacted.'],
    contact_info_found: ['Contact details are found',
      'Earliest step: as soon as an email or phone number is found for the candidate.'],
    first_message_sent: ['Your first message is sent',
      'When your team sends the candidate the first message.'],
    replied: ['The candidate replies',
      'When the candidate answers a message, whatever the answer.'],
    replied_interested: ['The candidate replies with interest',
      'Only when the candidate answers that they are interested.'],
    never: ['Never on its own (Export button only)',
      'Nothing is sent automatically; use the Export button on a candidate.']
  };
  var APPLIED_NOTE = ' A candidate who applies is always added, except with "Never on its own".';

  var STATES = { published: 'Published', internal: 'Internal', closed: 'Closed', draft: 'Draft', pending: 'Pending approval', rejected: 'Rejected' };
  var STATE_ORDER = { published: 0, internal: 1, pending: 2, draft: 3, closed: 4, rejected: 5 };

  var RETURN_REASONS = {
    access_denied: 'Lever access was not granted. Try again and choose "Allow" in Lever.',
    state_expired: 'The Lever sign-in took too long. Please try again.',
    invalid_state: 'The Lever sign-in could not be verified. Please try again.',
    perform_as_deactivated: 'Your Lever user is deactivated. Connect as an active Lever user.',
    perform_as_not_found: 'Your Lever user was not found. Connect as a Lever user of this account.',
    perform_as_required: 'Lever did not say which user connected. Please try again.',
    exchange_failed: 'Lever refused the sign-in. Please try again.',
    temporary_error: 'Lever or leverlink had a temporary problem. Please try again.'
  };
  var EXPORT_REASONS = {
    lever_rejected: 'Lever refused the candidate',
    not_connected: 'Lever was not connected',
    lever_revoked: 'Lever access was revoked',
    reauth_required: 'Lever needed to be reconnected',
    position_not_linked: 'The position was not linked to a Lever posting',
    no_consent: 'The candidate had not given consent',
    posting_closed: 'The Lever posting was closed',
    posting_gone: 'The Lever posting was deleted',
    perform_as_inactive: 'The Lever user leverlink acts as is inactive'
  };
  var ACTION_REASONS = {
    no_consent: 'This candidate has no consent on record here: export them again from the app.',
    not_connected: 'Lever is not connected. Connect Lever first.',
    lever_revoked: 'Lever access was revoked. Reconnect Lever first.',
    reauth_required: 'Lever needs to be connected again.',
    posting_closed: 'This Lever posting is closed. Choose another one, or tick "Add to this closed posting anyway".',
    posting_not_found: 'This Lever posting was not found in Lever. Reload the postings and choose another one.',
    already_exported: 'This candidate is already in Lever.',
    not_failed: 'This export is no longer failed. The list is up to date now.',
    session_expired: 'This setup link has expired. Open the Lever settings in the app again.',
    csrf_invalid: 'This page is out of date. Reload it and try again.'
  };

  var state = null;
  var csrf = '';
  var $ = function (id) { return document.getElementById(id); };

  function api(method, path, body, headers) {
    var opts = { method: method, credentials: 'same-origin', headers: { 'Accept': 'application/json' } };
    Object.keys(headers || {}).forEach(function (k) { opts.headers[k] = headers[k]; });
    if (method !== 'GET') { opts.headers['X-Setup-CSRF'] = csrf; }
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch('/setup/api/' + path, opts).then(function (r) {
      if (r.status === 204) { return null; }
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var e = (j && j.error) || {};
          var err = new Error(ACTION_REASONS[e.reason] || e.message || ('Request failed (' + r.status + ')'));
          err.status = r.status; err.reason = e.reason || ''; err.field = e.field || '';
          throw err;
        }
        return j;
      });
    });
  }

  function notice(text, kind) {
    var n = $('notice');
    n.textContent = text;
    n.className = 'notice ' + (kind || 'ok');
    n.hidden = !text;
  }

  function fatal(text) {
    ['loading', 'connection', 'settings', 'positions', 'exports'].forEach(function (id) { $(id).hidden = true; });
    var f = $('fatal');
    f.textContent = '';
    var h = document.createElement('h2');
    h.textContent = 'This setup link cannot be used';
    var p = document.createElement('p');
    p.textContent = text;
    f.appendChild(h); f.appendChild(p);
    f.hidden = false;
  }

  function load() {
    return api('GET', 'state').then(function (s) {
      state = s; csrf = s.csrf;
      document.documentElement.lang = s.locale || 'en';
      render();
    }, function (err) {
      if (err.status === 401) {
        fatal(err.reason === 'session_expired'
          ? 'It has expired (links last one hour). Go back to the app and open the Lever settings again.'
          : 'It is not valid. Go back to the app and open the Lever settings again to get a new link.');
        return;
      }
      notice(err.message, 'error');
    });
  }

  function connected() { return state && state.connection.status === 'connected'; }

  function render() {
    $('loading').hidden = true;
    renderConnection();
    renderSettings();
    renderPositions();
    renderExports();
    var back = state.returnUrl;
    if (back && /^https?:\/\//.test(back)) {
      $('back-link').href = back;
      $('back').hidden = false;
    }
  }

  function renderConnection() {
    var c = state.connection, st = $('conn-state'), d = $('conn-detail');
    var env = c.environment === 'sandbox' ? 'sandbox' : 'production';
    var who = c.performAs && c.performAs.email ? c.performAs.email : '';
    var showConnect = true, cls = 'state bad';
    $('btn-connect').textContent = 'Connect Lever';
    d.textContent = '';
    switch (c.status) {
      case 'connected':
        st.textContent = 'Connected to Lever (' + env + ').';
        d.textContent = who ? 'Candidates are added in Lever as ' + who + '.' : '';
        showConnect = false; cls = 'state good';
        break;
      case 'revoked':
        st.textContent = 'Lever access revoked: reconnect.';
        d.textContent = 'Lever no longer accepts leverlink\'s access (it was removed in Lever, or expired). Position links were removed; connect again, then link your positions again.';
        $('btn-connect').textContent = 'Reconnect Lever';
        break;
      case 'reauth_required':
        st.textContent = 'Lever needs to be connected again.';
        d.textContent = 'The stored Lever access can no longer be used.';
        $('btn-connect').textContent = 'Reconnect Lever';
        break;
      case 'perform_as_inactive':
        // The grant is fine: choosing an active user repairs it (PUT
        // perform-as), no reconnect needed; reconnecting stays possible.
        st.textContent = 'Perform-as user inactive: choose an active Lever user.';
        d.textContent = 'The Lever user leverlink acts as' + (who ? ' (' + who + ')' : '') + ' is no longer active in Lever. ' +
          'Candidates and notes wait (they are not failed) until you enter the email of an active Lever user below, or reconnect as one.';
        $('btn-connect').textContent = 'Reconnect Lever instead';
        break;
      case 'suspended':
        st.textContent = 'Perform-as user inactive: reconnect.';
        d.textContent = 'The Lever user leverlink acts as' + (who ? ' (' + who + ')' : '') + ' is no longer active in Lever. Reconnect as an active Lever user.';
        $('btn-connect').textContent = 'Reconnect Lever';
        break;
      default:
        st.textContent = 'Lever not connected.';
        d.textContent = 'Connect your Lever account so candidates can be added to your Lever jobs.';
    }
    st.className = cls;
    if (c.environment) {
      // Reconnect in the environment the company used.
      var radio = document.querySelector('input[name=environment][value="' + env + '"]');
      if (radio) { radio.checked = true; }
    }
    $('conn-perform-as').hidden = c.status !== 'perform_as_inactive';
    $('btn-connect').className = c.status === 'perform_as_inactive' ? '' : 'primary'; // the repair is the primary action
    $('conn-connect').hidden = !showConnect;
    $('conn-manage').hidden = showConnect;
    $('connection').hidden = false;
  }

  // Company settings. The page saves the whole document on the condition
  // of the version it read (If-Match with its ETag): when another admin (or
  // the vendor's API) saved in between, the save is refused (412), the page
  // says so and shows the current settings.
  var SETTINGS = [['set-general', 'allowGeneralOpportunity'], ['set-consent', 'exportBeforeConsent'], ['set-internal', 'announceInternalPostings']];
  var settingsShown = '';   // the ETag the form shows
  var settingsDirty = false; // the admin changed a box since

  function changedBy(by) {
    if (!by) { return ''; }
    if (by.indexOf('setup:') === 0) { return 'the setup page (session ' + by.slice(6) + ')'; }
    return 'the app (API key ' + by + ')';
  }

  function settingsAudit(st) {
    if (!st.updatedAt) { return 'Never changed: all off (the safe defaults).'; }
    return 'Last changed ' + new Date(st.updatedAt).toLocaleString() + ' by ' + changedBy(st.updatedBy) + '.';
  }

  function renderSettings() {
    var st = state.settings;
    if (!st) { return; }
    // Keep the admin's unsaved choices while the stored version is the one
    // they started from (other actions reload the state too).
    if (!settingsDirty || settingsShown !== st.etag) {
      SETTINGS.forEach(function (f) { $(f[0]).checked = !!st[f[1]]; });
      settingsDirty = false;
      settingsShown = st.etag;
    }
    $('settings-audit').textContent = settingsAudit(st);
    $('settings').hidden = false;
  }

  function settingsMessage(text) {
    var m = $('settings-msg');
    m.textContent = text;
    m.hidden = !text;
  }

  function saveSettings(e) {
    e.preventDefault();
    var body = {};
    SETTINGS.forEach(function (f) { body[f[1]] = $(f[0]).checked; });
    var btn = $('btn-settings-save');
    btn.disabled = true;
    settingsMessage('');
    notice('');
    api('PUT', 'settings', body, { 'If-Match': settingsShown }).then(function (st) {
      state.settings = st;
      settingsDirty = false;
      settingsShown = '';
      renderSettings();
      notice('Settings saved.', 'ok');
    }, function (err) {
      if (err.reason === 'stale_version' || err.reason === 'if_match_required') {
        settingsDirty = false;
        return load().then(function () {
          var st = state.settings || {};
          settingsMessage('Not saved: these settings were changed by ' + (changedBy(st.updatedBy) || 'someone else') +
            ' while you were editing. The current settings are shown now; make your change again and save.');
          $('set-general').focus();
        });
      }
      settingsMessage('Not saved: ' + err.message);
    }).then(function () { btn.disabled = false; });
  }

  function postingByID(id) {
    for (var i = 0; i < state.postings.length; i++) { if (state.postings[i].id === id) { return state.postings[i]; } }
    return null;
  }

  function postingLabel(p) {
    var parts = [p.text];
    var meta = [p.team, p.location].filter(Boolean).join(' · ');
    if (meta) { parts.push(meta); }
    var label = parts.join(' — ') + ' (' + (STATES[p.state] || p.state) + ')';
    return p.state === 'closed' ? '[Closed] ' + label : label;
  }

  function sortedPostings() {
    return state.postings.slice().sort(function (a, b) {
      var d = (STATE_ORDER[a.state] || 9) - (STATE_ORDER[b.state] || 9);
      return d !== 0 ? d : a.text.localeCompare(b.text);
    });
  }

  function renderPositions() {
    var when = state.refreshedAt ? new Date(state.refreshedAt).toLocaleString() : '';
    $('refreshed').textContent = when ? 'Postings loaded from Lever ' + when + '.' : 'Postings not loaded from Lever yet.';
    $('btn-reload').hidden = !connected();
    var list = $('position-list');
    list.textContent = '';
    if (state.positions.length === 0) {
      var li = document.createElement('li');
      li.className = 'muted';
      li.textContent = 'No positions were sent with this link.';
      list.appendChild(li);
    }
    state.positions.forEach(function (pos, i) { list.appendChild(positionCard(pos, i)); });
    $('positions').hidden = false;
  }

  function positionCard(pos, i) {
    var li = document.importNode($('tpl-position').content, true).firstElementChild;
    var id = 'pos-' + i;
    li.id = id;
    li.dataset.positionId = pos.id;
    li.querySelector('.pos-title').textContent = pos.title;
    li.querySelector('.pos-meta').textContent = pos.location || '';
    var l = pos.link, p = l ? postingByID(l.postingId) : null;
    var linkText = li.querySelector('.pos-link'), flag = li.querySelector('.pos-flag');
    var edit = li.querySelector('.btn-edit'), remove = li.querySelector('.btn-remove');
    if (l) {
      linkText.textContent = 'Linked to ' + (p ? postingLabel(p) : 'Lever posting ' + l.postingId) +
        '. Added when: ' + (TRIGGERS[l.trigger] ? TRIGGERS[l.trigger][0] : l.trigger) + '.';
      edit.textContent = 'Change link';
      remove.hidden = false;
      var closed = l.flag === 'posting_closed' || (p && p.state === 'closed');
      if (closed) {
        flag.textContent = 'Posting closed: this Lever posting is closed, so new candidates cannot be added to it. Choose another posting.';
        flag.hidden = false;
      } else if (l.flag === 'posting_gone') {
        flag.textContent = 'Posting deleted in Lever: choose another posting.';
        flag.hidden = false;
      }
    } else {
      linkText.textContent = 'Not linked: candidates for this position are not added to Lever.';
      edit.textContent = 'Link to a Lever posting';
    }
    edit.setAttribute('aria-label', edit.textContent + ': ' + pos.title);
    remove.setAttribute('aria-label', 'Remove link: ' + pos.title);
    if (!connected()) {
      edit.disabled = true;
      remove.hidden = true;
      linkText.textContent += state.connection.status === 'perform_as_inactive'
        ? ' Choose an active Lever user above to change links.' : ' Connect Lever to change links.';
    }
    edit.addEventListener('click', function () { openForm(li, pos); });
    remove.addEventListener('click', function () { removeLink(li, pos); });
    return li;
  }

  function fillPostings(select, q, selected) {
    q = q.trim().toLowerCase();
    select.textContent = '';
    var n = 0;
    sortedPostings().forEach(function (p) {
      var hay = [p.text, p.team, p.department, p.location, p.state, STATES[p.state]].join(' ').toLowerCase();
      if (q && hay.indexOf(q) < 0) { return; }
      var o = document.createElement('option');
      o.value = p.id;
      o.textContent = postingLabel(p);
      if (p.state === 'closed') { o.className = 'closed'; }
      if (p.id === selected) { o.selected = true; }
      select.appendChild(o);
      n++;
    });
    return n;
  }

  function openForm(li, pos) {
    var form = li.querySelector('.pos-form'), i = li.id;
    var q = form.querySelector('.q'), sel = form.querySelector('.posting'), trig = form.querySelector('.trigger');
    var help = form.querySelector('.trigger-help'), count = form.querySelector('.count'), err = form.querySelector('.form-error');
    q.id = i + '-q'; sel.id = i + '-posting'; trig.id = i + '-trigger'; help.id = i + '-help'; count.id = i + '-count';
    q.setAttribute('aria-controls', sel.id);
    sel.setAttribute('aria-describedby', count.id);
    trig.setAttribute('aria-describedby', help.id);
    var current = pos.link ? pos.link.postingId : '';
    function refill() {
      var n = fillPostings(sel, q.value, sel.value || current);
      count.textContent = n === 1 ? '1 posting' : n + ' postings' + (state.postings.length === 0 ? ': none loaded yet, use "Reload postings from Lever".' : '');
    }
    trig.textContent = '';
    state.triggers.forEach(function (t) {
      var o = document.createElement('option');
      o.value = t;
      o.textContent = TRIGGERS[t] ? TRIGGERS[t][0] : t;
      trig.appendChild(o);
    });
    trig.value = pos.link ? pos.link.trigger : state.triggers[0];
    function explain() { help.textContent = (TRIGGERS[trig.value] ? TRIGGERS[trig.value][1] : '') + APPLIED_NOTE; }
    trig.onchange = explain;
    q.oninput = refill;
    q.value = '';
    err.hidden = true;
    refill(); explain();
    form.onsubmit = function (e) {
      e.preventDefault();
      if (!sel.value) { err.textContent = 'Choose a Lever posting.'; err.hidden = false; sel.focus(); return; }
      var btn = form.querySelector('button[type=submit]');
      btn.disabled = true;
      api('PUT', 'links/' + encodeURIComponent(pos.id), { postingId: sel.value, trigger: trig.value }).then(function () {
        notice('Saved: ' + pos.title + ' is linked.', 'ok');
        return load().then(function () { focusCard(pos.id, '.btn-edit'); });
      }, function (e2) {
        err.textContent = e2.message; err.hidden = false; btn.disabled = false;
      });
    };
    form.querySelector('.btn-cancel').onclick = function () {
      form.hidden = true;
      li.querySelector('.pos-actions').hidden = false;
      li.querySelector('.btn-edit').focus();
    };
    li.querySelector('.pos-actions').hidden = true;
    form.hidden = false;
    q.focus();
  }

  function focusCard(positionID, selector) {
    var cards = document.querySelectorAll('#position-list .card');
    for (var i = 0; i < cards.length; i++) {
      if (cards[i].dataset.positionId === positionID) { cards[i].querySelector(selector).focus(); return; }
    }
  }

  function removeLink(li, pos) {
    api('DELETE', 'links/' + encodeURIComponent(pos.id)).then(function () {
      notice('Removed the link of ' + pos.title + '.', 'ok');
      return load().then(function () { focusCard(pos.id, '.btn-edit'); });
    }, function (e) { notice(e.message, 'error'); });
  }

  function positionTitle(id) {
    for (var i = 0; i < state.positions.length; i++) { if (state.positions[i].id === id) { return state.positions[i].title; } }
    return id;
  }

  function exportRow(x, failed) {
    var li = document.createElement('li');
    var head = document.createElement('span');
    head.className = 'who';
    var target = '';
    if (x.positionId) { target = ' · ' + positionTitle(x.positionId); }
    else if (x.postingId) { var xp = postingByID(x.postingId); target = ' · ' + (xp ? postingLabel(xp) : 'Lever posting ' + x.postingId); }
    else if (failed) { target = ' · General opportunity (no job)'; }
    head.textContent = 'Candidate ' + x.candidateId + target;
    li.appendChild(head);
    var meta = document.createElement('span');
    meta.className = 'muted small';
    if (failed) {
      var why = EXPORT_REASONS[x.reason] || x.reason || 'failed';
      meta.textContent = why + (x.lastError ? ': ' + x.lastError : '');
      li.appendChild(meta);
      var pick = null;
      if (!x.positionId && !x.postingId) {
        // The failed export did not record its position: the admin picks it.
        var linked = state.positions.filter(function (p) { return p.link; });
        if (linked.length > 0) {
          var lab = document.createElement('label');
          lab.className = 'small';
          lab.textContent = 'Position ';
          pick = document.createElement('select');
          pick.className = 'retry-position';
          linked.forEach(function (p) {
            var o = document.createElement('option');
            o.value = p.id; o.textContent = p.title;
            pick.appendChild(o);
          });
          lab.appendChild(pick);
          li.appendChild(lab);
        }
      }
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn-retry';
      b.textContent = 'Retry';
      b.setAttribute('aria-label', 'Retry export of candidate ' + x.candidateId);
      b.addEventListener('click', function () {
        // As it failed: its position, the picked one, or the posting it
        // was chosen for.
        var body = pick ? { positionId: pick.value } : (!x.positionId && x.postingId ? { postingId: x.postingId } : {});
        retryExport(x, body, b);
      });
      li.appendChild(b);
      var other = document.createElement('button');
      other.type = 'button';
      other.className = 'btn-choose';
      other.textContent = x.positionId || x.postingId ? 'Retry to another posting' : 'Choose a Lever posting';
      other.setAttribute('aria-label', other.textContent + ': candidate ' + x.candidateId);
      other.setAttribute('aria-expanded', 'false');
      other.addEventListener('click', function () { openRetryForm(li, x, other); });
      li.appendChild(other);
    } else {
      meta.textContent = x.exportedAt ? 'Added ' + new Date(x.exportedAt).toLocaleString() : '';
      li.appendChild(meta);
      if (x.leverUrl && /^https?:\/\//.test(x.leverUrl)) {
        var a = document.createElement('a');
        a.href = x.leverUrl; a.target = '_blank'; a.rel = 'noopener noreferrer';
        a.textContent = 'Open in Lever';
        a.setAttribute('aria-label', 'Open candidate ' + x.candidateId + ' in Lever (new tab)');
        li.appendChild(a);
      }
    }
    return li;
  }

  function retryExport(x, body, btn) {
    btn.disabled = true;
    return api('POST', 'exports/' + encodeURIComponent(x.candidateId) + '/retry', body).then(function () {
      var p = body.postingId ? postingByID(body.postingId) : null;
      notice('Export of candidate ' + x.candidateId + ' queued again' + (p ? ' to ' + p.text : '') + '.', 'ok');
      return load();
    }, function (e) {
      notice(e.message, 'error');
      btn.disabled = false;
      if (e.reason === 'not_failed') { return load(); }
    });
  }

  // openRetryForm shows the searchable posting picker under a failed
  // export: the export is retried to the posting chosen now (postingId).
  function openRetryForm(li, x, opener) {
    var old = li.querySelector('.retry-form');
    if (old) { old.querySelector('input[type=search]').focus(); return; }
    var id = li.id;
    var form = document.createElement('form');
    form.className = 'retry-form';
    function field(text, control) {
      var lab = document.createElement('label');
      lab.className = 'field';
      var span = document.createElement('span');
      span.className = 'lbl';
      span.textContent = text;
      lab.appendChild(span); lab.appendChild(control);
      form.appendChild(lab);
    }
    var q = document.createElement('input');
    q.type = 'search'; q.id = id + '-q'; q.autocomplete = 'off'; q.spellcheck = false;
    var sel = document.createElement('select');
    sel.id = id + '-posting'; sel.size = 6;
    var count = document.createElement('p');
    count.id = id + '-count'; count.className = 'muted small'; count.setAttribute('aria-live', 'polite');
    q.setAttribute('aria-controls', sel.id);
    sel.setAttribute('aria-describedby', count.id);
    field('Search postings', q);
    field('Lever posting for candidate ' + x.candidateId, sel);
    form.appendChild(count);
    var closedLab = document.createElement('label');
    closedLab.className = 'check';
    var closed = document.createElement('input');
    closed.type = 'checkbox'; closed.id = id + '-closed';
    var closedText = document.createElement('span');
    closedText.textContent = 'Add to this closed posting anyway';
    closedLab.appendChild(closed); closedLab.appendChild(closedText);
    closedLab.hidden = true;
    form.appendChild(closedLab);
    var actions = document.createElement('div');
    actions.className = 'actions';
    var go = document.createElement('button');
    go.type = 'submit'; go.className = 'primary'; go.textContent = 'Retry to this posting';
    var cancel = document.createElement('button');
    cancel.type = 'button'; cancel.textContent = 'Cancel';
    actions.appendChild(go); actions.appendChild(cancel);
    form.appendChild(actions);
    function refill() {
      var n = fillPostings(sel, q.value, sel.value);
      count.textContent = n === 1 ? '1 posting' : n + ' postings' + (state.postings.length === 0 ? ': none loaded yet, use "Reload postings from Lever".' : '');
      onPick();
    }
    function onPick() {
      var p = postingByID(sel.value);
      closedLab.hidden = !(p && p.state === 'closed');
      if (closedLab.hidden) { closed.checked = false; }
    }
    q.oninput = refill;
    sel.onchange = onPick;
    form.onsubmit = function (e) {
      e.preventDefault();
      if (!sel.value) { notice('Choose a Lever posting for candidate ' + x.candidateId + '.', 'error'); sel.focus(); return; }
      var body = { postingId: sel.value };
      if (closed.checked) { body.allowClosed = true; }
      retryExport(x, body, go);
    };
    cancel.onclick = function () {
      form.remove();
      opener.setAttribute('aria-expanded', 'false');
      opener.focus();
    };
    li.appendChild(form);
    opener.setAttribute('aria-expanded', 'true');
    refill();
    q.focus();
  }

  function renderExports() {
    var f = $('failed-list'), r = $('recent-list');
    f.textContent = ''; r.textContent = '';
    (state.failedExports || []).forEach(function (x, i) {
      var li = exportRow(x, true);
      li.id = 'failed-' + i;
      f.appendChild(li);
    });
    (state.recentExports || []).forEach(function (x) { r.appendChild(exportRow(x, false)); });
    $('failed-empty').hidden = f.children.length > 0;
    $('recent-empty').hidden = r.children.length > 0;
    $('exports').hidden = false;
  }

  function environment() {
    var checked = document.querySelector('input[name=environment]:checked');
    return checked ? checked.value : 'production';
  }

  function goToLever(u) {
    if (window.top === window.self) { window.location.assign(u); return; }
    // Lever's consent page cannot be framed: leave the frame.
    try { window.top.location.href = u; } catch (e) { window.open(u, '_blank', 'noopener'); }
  }

  function connect(env) {
    api('POST', 'connection/authorize', { environment: env }).then(function (r) {
      notice('Opening Lever…', 'ok');
      goToLever(r.authorizeUrl);
    }, function (e) { notice(e.message, 'error'); });
  }

  var disconnectArmed = false;
  function disconnect() {
    var b = $('btn-disconnect');
    if (!disconnectArmed) {
      disconnectArmed = true;
      b.textContent = 'Confirm: disconnect and remove all links';
      notice('Disconnecting removes every position link. Press the button again to confirm.', 'warn');
      return;
    }
    disconnectArmed = false;
    b.textContent = 'Disconnect';
    api('DELETE', 'connection').then(function () {
      notice('Lever is disconnected.', 'ok');
      return load().then(function () { $('btn-connect').focus(); });
    }, function (e) { notice(e.message, 'error'); });
  }

  // performAs repairs a perform_as_inactive connection: leverlink acts as
  // the active Lever user with this email from now on.
  function performAs(ev) {
    ev.preventDefault();
    var input = $('perform-as-email'), b = $('btn-perform-as');
    var email = input.value.trim();
    if (!email) { notice('Enter the email of an active Lever user.', 'error'); input.focus(); return; }
    b.disabled = true;
    api('PUT', 'connection/perform-as', { email: email }).then(function (v) {
      input.value = '';
      notice('Leverlink now acts as ' + ((v && v.performAs && v.performAs.email) || email) + ' in Lever. Waiting candidates and notes are sent at their next retry (within minutes).', 'ok');
      return load();
    }, function (e) {
      notice(e.field === 'email' ? 'Not changed: ' + e.message + ' (' + email + ').' : e.message, 'error');
      input.focus();
    }).then(function () { b.disabled = false; });
  }

  function reload() {
    var b = $('btn-reload');
    b.disabled = true;
    notice('Loading postings from Lever…', 'ok');
    api('POST', 'postings/reload').then(function () {
      notice('Postings reloaded from Lever.', 'ok');
      return load();
    }, function (e) { notice(e.message, 'error'); }).then(function () { b.disabled = false; });
  }

  function returned() {
    var q = new URLSearchParams(window.location.search);
    var st = q.get('status');
    if (!st) { return; }
    if (st === 'connected') { notice('Lever is connected.', 'ok'); }
    else { notice(RETURN_REASONS[q.get('reason')] || 'Connecting Lever did not work. Please try again.', 'error'); }
    window.history.replaceState(null, '', window.location.pathname);
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('btn-connect').addEventListener('click', function () { connect(environment()); });
    $('btn-reconnect').addEventListener('click', function () { connect(state.connection.environment || 'production'); });
    $('btn-disconnect').addEventListener('click', disconnect);
    $('conn-perform-as').addEventListener('submit', performAs);
    $('btn-reload').addEventListener('click', reload);
    $('settings-form').addEventListener('submit', saveSettings);
    SETTINGS.forEach(function (f) { $(f[0]).addEventListener('change', function () { settingsDirty = true; settingsMessage(''); }); });
    returned();
    load();
  });
})();
