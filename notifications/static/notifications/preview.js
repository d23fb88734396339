// Live preview: after typing stops, submit the draft to the preview frame (no page reload).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-live-preview]");
  if (!form) return;
  var button = form.querySelector("button[value=preview]");
  var timer = null;
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { form.requestSubmit(button); }, 600);
  });
});
