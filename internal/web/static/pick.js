// Name pickers (web.Pick): offer the names while typing. The form works
// without this: the server resolves what was typed.
document.querySelectorAll('input[data-pick]:not([data-pick-on])').forEach(function (inp) {
  inp.setAttribute('data-pick-on', '1');
  var list = document.getElementById(inp.getAttribute('list'));
  var id = document.getElementById(inp.getAttribute('data-pick-id'));
  var items = [], timer;
  inp.addEventListener('input', function () {
    clearTimeout(timer);
    var m = items.filter(function (x) { return x.name === inp.value; });
    id.value = m.length === 1 ? m[0].id : '';
    if (m.length === 1 || inp.value.trim().length < 2) return;
    timer = setTimeout(function () {
      fetch(inp.getAttribute('data-pick') + '?q=' + encodeURIComponent(inp.value), {headers: {Accept: 'application/json'}, credentials: 'same-origin'})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (js) {
          items = js;
          list.replaceChildren.apply(list, js.map(function (x) {
            var o = document.createElement('option');
            o.value = x.name;
            if (x.meta) o.label = x.meta;
            return o;
          }));
        });
    }, 200);
  });
});
