"""The message template form: the template's settings and its words in each language."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from campaigns.messaging.templates import VARIABLES, ContentInput, template_problems
from campaigns.models import Channel, MessageTemplate, TemplateContent
from loyalty.models import Merchant


class TemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["name", "channel", "purpose", "default_language", "track_opens"]

    def __init__(self, *args, merchant: Merchant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        self.instance.merchant = merchant
        self.fields["default_language"] = forms.ChoiceField(
            label=_("Default language"),
            choices=[("", _("The business's language")), *settings.LANGUAGES],
            required=False,
            help_text=_("Members whose language has no words of its own get this one."),
        )
        self.fields["purpose"].help_text = _(
            "Marketing needs the member's consent and carries an unsubscribe link; "
            "transactional (a voucher's receipt) does not."
        )
        saved = (
            {content.language: content for content in self.instance.contents.all()}
            if self.instance.pk
            else {}
        )
        names = dict(settings.LANGUAGES)
        self.languages: list[tuple[str, str]] = [
            (code, str(names.get(code, code))) for code in dict.fromkeys([*names, *saved])
        ]
        for code, label in self.languages:
            content = saved.get(code)
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": label},
                max_length=200,
                required=False,
                initial=content.subject if content else "",
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Message (%(language)s)") % {"language": label},
                widget=forms.Textarea(attrs={"rows": 10}),
                required=False,
                initial=content.body if content else "",
                help_text=_(
                    "Plain text: a blank line starts a paragraph. Variables like "
                    "{{ first_name }}; links as [words](https://…). Leave empty to leave "
                    "this language out."
                ),
            )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        taken = MessageTemplate.objects.for_merchant(self.merchant).filter(name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another template has this name."))
        return name

    def clean(self) -> dict:
        cleaned = super().clean()
        purpose = cleaned.get("purpose") or ""
        written = 0
        for code, _label in self.languages:
            subject = cleaned.get(f"subject_{code}", "")
            body = cleaned.get(f"body_{code}", "")
            if not body.strip():
                continue
            written += 1
            for problem in template_problems(subject, body, purpose=purpose):
                self.add_error(f"body_{code}", problem)
        if not written:
            raise forms.ValidationError(_("Write the message in at least one language."))
        return cleaned

    def language_fields(self) -> list[dict]:
        return [
            {
                "code": code,
                "label": label,
                "subject": self[f"subject_{code}"],
                "body": self[f"body_{code}"],
            }
            for code, label in self.languages
        ]

    def contents(self) -> list[ContentInput]:
        """What `save_template` saves (after `is_valid`)."""
        return [
            ContentInput(
                code,
                self.cleaned_data.get(f"subject_{code}", ""),
                self.cleaned_data.get(f"body_{code}", ""),
            )
            for code, _label in self.languages
        ]

    def draft(self) -> tuple[MessageTemplate, list[TemplateContent]]:
        """The template as the form would save it, valid or not, for the preview."""
        template = MessageTemplate(merchant=self.merchant, pk=self.instance.pk)
        for name in self.Meta.fields:
            value = self[name].value()
            if name == "track_opens":
                value = self.fields[name].to_python(value)
            setattr(template, name, value if value is not None else "")
        if template.channel not in dict(self.fields["channel"].choices):
            template.channel = self.instance.channel or Channel.EMAIL
        contents = [
            TemplateContent(
                merchant=self.merchant,
                language=code,
                subject=self[f"subject_{code}"].value() or "",
                body=self[f"body_{code}"].value() or "",
            )
            for code, _label in self.languages
        ]
        return template, [content for content in contents if content.body.strip()]


def variable_help() -> list[tuple[str, str]]:
    return [(name, str(description)) for name, description in VARIABLES.items()]
