// Coffre link pages: uploads by drag and drop or file choice, one request
// per file so that each has its own progress bar (XMLHttpRequest upload
// progress), and a result per file. Without this script the form posts
// the files in one request.
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var form = document.getElementById('upload-form');
  if (!form) return;
  var input = document.getElementById('upload-input');
  var drop = document.getElementById('upload-drop');
  var list = document.getElementById('upload-list');
  var result = document.getElementById('upload-result');
  var csrf = form.querySelector('input[name=csrf]').value;
  var limit = Number(form.dataset.limit);
  var queue = [], busy = false, sent = 0, failed = 0;

  function add(files) {
    for (var i = 0; i < files.length; i++) queue.push(row(files[i]));
    result.textContent = '';
    next();
  }

  function row(file) {
    var li = document.createElement('li');
    li.className = 'upload-item';
    var name = document.createElement('span');
    name.className = 'upload-name';
    name.textContent = file.name;
    var status = document.createElement('span');
    status.className = 'upload-status';
    status.textContent = form.dataset.msgWaiting;
    var bar = document.createElement('progress');
    bar.className = 'progress';
    bar.max = 100;
    bar.value = 0;
    li.appendChild(name);
    li.appendChild(status);
    li.appendChild(bar);
    list.appendChild(li);
    return { file: file, li: li, bar: bar, status: status };
  }

  function next() {
    if (busy) return;
    var item = queue.shift();
    if (!item) {
      summary();
      return;
    }
    busy = true;
    send(item, function () {
      busy = false;
      next();
    });
  }

  function send(item, done) {
    if (item.file.size > limit) {
      finish(item, false, form.dataset.msgTooLarge);
      done();
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.onprogress = function (e) {
      // 100 only once the server has stored the file.
      if (e.lengthComputable) item.bar.value = Math.min(99, Math.floor(e.loaded * 100 / e.total));
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        var stored = body.files && body.files[0];
        finish(item, true, form.dataset.msgOk + (stored && stored.name !== item.file.name ? ' (' + stored.name + ')' : ''));
      } else {
        finish(item, false, body.message || form.dataset.msgFailed);
      }
      done();
    };
    xhr.onerror = function () {
      finish(item, false, form.dataset.msgFailed);
      done();
    };
    var data = new FormData();
    data.append('file', item.file, item.file.name);
    item.status.textContent = form.dataset.msgSending;
    xhr.send(data);
  }

  function finish(item, ok, message) {
    item.status.textContent = message;
    item.li.classList.add(ok ? 'ok' : 'failed');
    item.li.dataset.result = ok ? 'ok' : 'failed';
    if (ok) {
      item.bar.value = 100;
      item.bar.dataset.done = 'true';
      sent++;
    } else {
      failed++;
    }
  }

  function summary() {
    result.textContent = form.dataset.msgSummary.replace('{ok}', sent).replace('{failed}', failed);
    result.dataset.ok = sent;
    result.dataset.failed = failed;
  }

  input.addEventListener('change', function () {
    add(input.files);
    input.value = '';
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    add(input.files);
    input.value = '';
  });
  ['dragenter', 'dragover'].forEach(function (type) {
    drop.addEventListener(type, function (e) {
      e.preventDefault();
      drop.classList.add('over');
    });
  });
  ['dragleave', 'dragend'].forEach(function (type) {
    drop.addEventListener(type, function () { drop.classList.remove('over'); });
  });
  // A file dropped beside the zone must not replace the page.
  ['dragover', 'drop'].forEach(function (type) {
    window.addEventListener(type, function (e) { e.preventDefault(); });
  });
  drop.addEventListener('drop', function (e) {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer) add(e.dataTransfer.files);
  });
})();
