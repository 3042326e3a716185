/* The console's small additions to the admin's pages (no library; loaded on every admin page).
   Search-as-you-type choices (the admin's autocomplete widgets) get the name of their field, so screen readers
   announce "Parent item" rather than an unnamed combo box. */
(function () {
  "use strict";

  function labelOf(select) {
    return select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
  }

  function nameAutocompletes(root) {
    (root || document).querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = labelOf(select);
      var container = select.nextElementSibling;
      if (!label || !container) {
        return;
      }
      var name = label.textContent.replace(/:\s*$/, "").trim();
      label.id = label.id || select.id + "-label";
      // The combo box is named by the field's label, then by what it holds.
      container.querySelectorAll(".select2-selection[aria-labelledby]").forEach(function (element) {
        var ids = element.getAttribute("aria-labelledby").split(/\s+/);
        if (ids.indexOf(label.id) < 0) {
          element.setAttribute("aria-labelledby", [label.id].concat(ids).join(" "));
        }
      });
      container.querySelectorAll(".select2-selection__rendered, .select2-search__field").forEach(function (element) {
        element.setAttribute("aria-label", name);
      });
    });
  }

  function start() {
    nameAutocompletes(document);
    // The dropdown's own search box appears when a choice list opens.
    window.django.jQuery(document).on("select2:open select2:select select2:unselect", function () {
      nameAutocompletes(document);
      document.querySelectorAll(".select2-container--open .select2-search__field").forEach(function (field) {
        field.setAttribute("aria-label", field.getAttribute("aria-label") || document.title);
      });
    });
  }

  // A key or secret shown once is selected whole on a click, ready to copy (no inline handler: the CSP allows none).
  document.addEventListener("click", function (event) {
    if (event.target.classList && event.target.classList.contains("shown-once")) {
      event.target.select();
    }
  });

  // The admin turns its selects into search boxes in a jQuery "ready" handler registered before this one, so a
  // handler registered here runs after it. Pages without the admin's jQuery have no such boxes.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(start);
  }
})();
