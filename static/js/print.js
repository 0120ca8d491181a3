// The print page's "Print" button opens the browser's print dialogue.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
