/**
 * The report's one inline script: filters the findings table by severity, provider and text,
 * and opens every evidence block before printing. The page is complete without it (the filter
 * form stays hidden and every row shows); the Content-Security-Policy admits exactly this script
 * by its hash, and it reads the table's own data attributes, never the network.
 */
import { createHash } from 'node:crypto';

export const SCRIPT = `(function () {
  var form = document.getElementById('filters');
  var table = document.getElementById('findings-table');
  if (!form || !table) return;
  var rows = table.tBodies[0].rows;
  var sev = form.elements.namedItem('severity');
  var prov = form.elements.namedItem('provider');
  var q = form.elements.namedItem('q');
  var count = document.getElementById('shown');
  var timer = 0;
  function apply() {
    var s = sev.value, p = prov.value, t = q.value.trim().toLowerCase(), n = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!s || r.getAttribute('data-severity') === s) &&
        (!p || r.getAttribute('data-provider') === p) &&
        (!t || r.textContent.toLowerCase().indexOf(t) >= 0);
      r.hidden = !ok;
      if (ok) n++;
    }
    count.textContent = n + ' of ' + rows.length + ' shown';
  }
  form.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(apply, 120); });
  form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
  window.addEventListener('beforeprint', function () {
    var d = document.querySelectorAll('details');
    for (var i = 0; i < d.length; i++) d[i].open = true;
  });
  form.hidden = false;
})();`;

/** The CSP source that admits exactly SCRIPT. */
export const SCRIPT_HASH = `'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`;
