// Step through the slices of a DICOM series: slider, buttons, arrow keys,
// mouse wheel. Neighbouring slices are fetched ahead so stepping is smooth.
// Without JavaScript the Previous/Next links page through ?slice=n.
(function () {
  if (window.cellwayViewer) return;
  window.cellwayViewer = true;

  function state(fig) {
    return { count: Number(fig.dataset.count), current: Number(fig.dataset.current), template: fig.dataset.srcTemplate };
  }

  var cache = {};
  function preload(url) {
    if (cache[url]) return;
    var img = new Image();
    img.src = url;
    cache[url] = img;
  }

  function show(fig, n) {
    var s = state(fig);
    n = Math.max(1, Math.min(s.count, n));
    if (n === s.current) return;
    fig.dataset.current = String(n);
    var img = fig.querySelector("[data-slice-image]");
    img.src = s.template.replace("{n}", String(n));
    img.alt = "Slice " + n + " of " + s.count;
    fig.querySelector("[data-slider]").value = String(n);
    fig.querySelector("[data-counter]").textContent = "Slice " + n + " of " + s.count;
    fig.querySelectorAll("[data-step]").forEach(function (b) {
      var off = (Number(b.dataset.step) < 0 && n === 1) || (Number(b.dataset.step) > 0 && n === s.count);
      b.classList.toggle("disabled", off);
    });
    for (var d = 1; d <= 3; d++) {
      if (n + d <= s.count) preload(s.template.replace("{n}", String(n + d)));
      if (n - d >= 1) preload(s.template.replace("{n}", String(n - d)));
    }
  }

  function viewer() { return document.querySelector("[data-viewer]"); }

  document.addEventListener("click", function (e) {
    var step = e.target.closest && e.target.closest("[data-viewer] [data-step]");
    if (!step) return;
    e.preventDefault();
    var fig = step.closest("[data-viewer]");
    show(fig, state(fig).current + Number(step.dataset.step));
  });
  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("[data-viewer] [data-slider]")) show(e.target.closest("[data-viewer]"), Number(e.target.value));
  });
  document.addEventListener("keydown", function (e) {
    var fig = viewer();
    if (!fig || (e.target.matches && e.target.matches("input[type=text], textarea"))) return;
    var delta = { ArrowUp: -1, ArrowLeft: -1, ArrowDown: 1, ArrowRight: 1, PageUp: -10, PageDown: 10 }[e.key];
    if (!delta) return;
    if (e.target.matches && e.target.matches("[data-slider]")) return; // the slider handles its own keys
    e.preventDefault();
    show(fig, state(fig).current + delta);
  });
  document.addEventListener("wheel", function (e) {
    var frame = e.target.closest && e.target.closest("[data-viewer] .frame");
    if (!frame) return;
    e.preventDefault();
    var fig = frame.closest("[data-viewer]");
    show(fig, state(fig).current + (e.deltaY > 0 ? 1 : -1));
  }, { passive: false });
})();
