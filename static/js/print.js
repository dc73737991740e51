/* The 打印 button of a report: the browser's print dialog, which the print stylesheet (css/print.css) lays out on A4. */
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
