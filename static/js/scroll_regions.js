// Wide tables and charts scroll inside their own box (.table-wrap, .chart-wrap) on a narrow
// screen. A box that scrolls gets keyboard access (tabindex 0, so arrow keys scroll it) and a
// name taken from its table's caption or the heading before it (WCAG 2.1.1); one that fits
// stays out of the tab order.
(function () {
  var SELECTOR = ".table-wrap, .chart-wrap";

  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption) return caption.textContent.trim();
    var labelled = box.querySelector("[aria-labelledby]");
    var label = labelled && document.getElementById(labelled.getAttribute("aria-labelledby"));
    if (label) return label.textContent.trim();
    var title = box.querySelector("svg title");
    if (title) return title.textContent.trim();
    for (var el = box; el && el !== document.body; el = el.parentElement) {
      for (var prev = el.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-6]$/.test(prev.tagName)) return prev.textContent.trim();
        var inner = prev.querySelectorAll("h1, h2, h3, h4, h5, h6");
        if (inner.length) return inner[inner.length - 1].textContent.trim();
      }
    }
    return document.title;
  }

  function update() {
    document.querySelectorAll(SELECTOR).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      var marked = box.hasAttribute("data-scroll-region");
      if (scrolls && !marked) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", nameOf(box));
        box.setAttribute("data-scroll-region", "");
      } else if (!scrolls && marked) {
        ["tabindex", "role", "aria-label", "data-scroll-region"].forEach(function (a) {
          box.removeAttribute(a);
        });
      }
    });
  }

  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(update, 150);
  });
  update();
})();
