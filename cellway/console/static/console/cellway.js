// Small behaviours of the console that CSP forbids inline.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
  // A button with data-copy="<id>" copies that field's value (the calendar feed's address), and says so.
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const field = document.getElementById(copy.dataset.copy);
    field.select();
    navigator.clipboard?.writeText(field.value).then(() => { copy.textContent = "Copied"; });
  }
});
