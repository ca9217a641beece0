"""The consent-language form: one box per signal, one phrase a line."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from journal.consent.services import MAX_PER_SIGNAL, SIGNALS

HINTS = {
    "ask": "Words to ask before or during closeness.",
    "slow_down": "Words or a signal that mean: a bit slower, please.",
    "pause": "Words or a signal for a pause, with no reason needed.",
    "stop": "Words or a signal that mean stop now, always respected at once.",
    "check_in": "Words to check in with each other afterwards, or any time.",
}


#: Ten phrases of 300 characters with their line breaks fit; this only caps the request size.
_size = Length(max=MAX_PER_SIGNAL * 310, message="That's more than we can keep here. Please shorten it.")


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ConsentForm(FlaskForm):
    ask = TextAreaField("Asking", description=HINTS["ask"], validators=[_size])
    slow_down = TextAreaField("Slowing down", description=HINTS["slow_down"], validators=[_size])
    pause = TextAreaField("Pausing", description=HINTS["pause"], validators=[_size])
    stop = TextAreaField("Stopping", description=HINTS["stop"], validators=[_size])
    check_in = TextAreaField("Checking in", description=HINTS["check_in"], validators=[_size])
    #: The consent language's version when the form was loaded (journal.edits).
    version = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for signal in SIGNALS:
            field = getattr(self, signal)
            lines = _lines(field.data)
            if len(lines) > MAX_PER_SIGNAL:
                field.errors.append(f"Please keep to {MAX_PER_SIGNAL} phrases here.")
                ok = False
            if any(len(line) > 300 for line in lines):
                field.errors.append("Please keep each phrase to 300 characters.")
                ok = False
        if ok and not _lines(self.stop.data):
            self.stop.errors.append("Please keep at least one way to say stop.")
            ok = False
        return ok

    def phrases(self) -> dict[str, list[str]]:
        return {signal: _lines(getattr(self, signal).data) for signal in SIGNALS}

    def fill(self, phrases: dict[str, list[str]]) -> None:
        for signal in SIGNALS:
            getattr(self, signal).data = "\n".join(phrases.get(signal, []))
