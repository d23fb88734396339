// The model editor's running total: the sum of the weights typed, shown as they change.
// The server checks the same sum with Decimal; this is only a guide.
(function () {
  var form = document.getElementById("model-form");
  var out = document.getElementById("holdings-total");
  if (!form || !out) return;
  function update() {
    var cents = 0;
    form.querySelectorAll("input.holding-weight").forEach(function (input) {
      var row = input.closest("tr");
      var removed = row && row.querySelector("input[type=checkbox]:checked");
      var v = parseFloat(input.value);
      if (!removed && !isNaN(v)) cents += Math.round(v * 10000);
    });
    var total = cents / 10000;
    out.textContent = total.toFixed(4).replace(/\.?0+$/, "") + "%";
    out.classList.toggle("bad", cents !== 1000000);
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
})();
