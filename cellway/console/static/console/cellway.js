// Small behaviours of the console that CSP forbids inline.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
