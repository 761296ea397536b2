// Fills the commune field's suggestion list as the learner types.
// Without JavaScript the server resolves the name or postcode on submit.
(function () {
  var input = document.getElementById("id_commune_query");
  var list = document.getElementById("communes-suggestions");
  if (!input || !list || !window.fetch) return;
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var query = input.value.trim();
    if (query.length < 2) return;
    timer = setTimeout(function () {
      fetch("/bienvenue/communes/?q=" + encodeURIComponent(query))
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { list.innerHTML = html; })
        .catch(function () {});
    }, 200);
  });
})();
