// Kỹ năng số: optional enhancements. Every page works without this file.
// 1. The commune picker gets a search box that narrows the long list as
//    the resident types (accents optional: "my an" finds "Mỹ An").
(function () {
  'use strict';
  var fold = function (s) {
    return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
  };
  var select = document.querySelector('select[data-search-label]');
  if (!select) { return; }
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
}());
