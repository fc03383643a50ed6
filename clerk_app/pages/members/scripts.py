"""What /members asks the browser to run (``rx.call_script``)."""

#: True when the profile form holds values other than the ones it was mounted with.
FORM_EDITED_JS = """(() => {
  const form = document.getElementById("profile-form");
  if (!form) return false;
  return [...form.elements].some((el) => {
    if (!el.name) return false;
    if (el.type === "checkbox") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      if (el.dataset.stored !== undefined) return el.value !== el.dataset.stored;
      const initial = [...el.options].find((o) => o.defaultSelected) || el.options[0];
      return el.value !== (initial ? initial.value : "");
    }
    return "defaultValue" in el && el.value !== el.defaultValue;
  });
})()"""
#: Submit the profile form again, as its save button would.
RESUBMIT_JS = 'document.getElementById("profile-form")?.requestSubmit()'
