// Behaviour every page shares, kept out of the HTML: the Content-Security-Policy allows no
// inline script or event handler attribute.
"use strict";
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});
