"""How every form field of the site renders: one template, templates/includes/field.html."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Django's renderer through the project's template engine (so templates/ is searched),
    with one field template for every `{{ field.as_field_group }}`: the label, help text and
    error are tied to the input by id (aria-describedby), and a field with an error is
    marked the same way everywhere."""

    field_template_name = "includes/field.html"
