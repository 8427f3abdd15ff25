// The live view: each server-sent event is one audit record, added at the top of the table.
(function () {
  var body = document.getElementById('richieste');
  var stato = document.getElementById('stato');
  var src = new EventSource('/console/diretta/flusso');
  src.onopen = function () { stato.textContent = 'Collegato: le nuove richieste compaiono in cima.'; };
  src.onerror = function () { stato.textContent = 'Collegamento interrotto: nuovo tentativo in corso…'; };
  src.addEventListener('richiesta', function (e) {
    var r = JSON.parse(e.data);
    if (body.querySelector('tr[data-id="' + CSS.escape(r.id) + '"]')) return; // sent again after a reconnection
    var tr = document.createElement('tr');
    tr.dataset.id = r.id;
    [r.ora, r.utente, r.ente, r.servizio, r.esito].forEach(function (v, i) {
      var td = document.createElement('td');
      if (i === 4) {
        var a = document.createElement('a');
        a.href = '/console/richieste/' + encodeURIComponent(r.id);
        a.textContent = v;
        td.appendChild(a);
      } else {
        td.textContent = v;
      }
      tr.appendChild(td);
    });
    body.insertBefore(tr, body.firstChild);
    while (body.rows.length > 100) body.deleteRow(body.rows.length - 1);
  });
})();
