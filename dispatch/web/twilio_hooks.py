"""Twilio's webhooks: SMS replies, delivery reports, and the voice call's script and key presses.

Each request must carry a valid ``X-Twilio-Signature`` for the URL Twilio called, which is the public URL (behind a
proxy, ``PUBLIC_URL`` names it, not the address this process listens on); anything else gets 403 and changes
nothing. Without Twilio settings (the embedded default) these routes do not answer at all.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from dispatch.extensions import csrf, db
from dispatch.models import OutboxMessage
from dispatch.services.notify import delivery, replies
from dispatch.telemetry.requests import refused_webhook

bp = Blueprint("twilio_hooks", __name__, url_prefix="/twilio")
csrf.exempt(bp)

VOICE_LANGUAGE = {"zh": "cmn-CN", "en": "en-US"}


@bp.before_request
def signed_by_twilio():
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        refused_webhook("twilio", "not_configured")
        abort(404)
    url = current_app.config["PUBLIC_URL"].rstrip("/") + request.full_path.rstrip("?")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(token).validate(url, request.form.to_dict(), signature):
        refused_webhook("twilio", "bad_signature" if signature else "no_signature")
        abort(403)


@bp.post("/sms")
def sms_reply():
    answered = replies.handle_sms(request.form["MessageSid"], request.form["From"], request.form.get("Body", ""))
    twiml = MessagingResponse()
    twiml.message(answered.reply)
    return _xml(twiml)


@bp.post("/status")
def delivery_report():
    sid = request.form.get("MessageSid") or request.form.get("CallSid") or ""
    status = request.form.get("MessageStatus") or request.form.get("CallStatus") or ""
    delivery.record_status(sid, status, request.form.get("ErrorCode", ""))
    return "", 204


@bp.post("/voice/<int:outbox_id>")
def voice_script(outbox_id: int):
    message = db.session.get(OutboxMessage, outbox_id)
    if message is None or message.channel != "voice":
        abort(404)
    language = VOICE_LANGUAGE[delivery.leader_language(message.organization_id)]
    twiml = VoiceResponse()
    gather = twiml.gather(num_digits=1, action=f"/twilio/voice/{outbox_id}/answer", method="POST", timeout=10)
    gather.say(message.body, language=language)
    twiml.say(message.body, language=language)  # said once more if no key was pressed, then the call ends
    return _xml(twiml)


@bp.post("/voice/<int:outbox_id>/answer")
def voice_answer(outbox_id: int):
    answered = replies.handle_key(request.form.get("CallSid", ""), outbox_id, request.form.get("Digits", ""))
    if answered.outcome == "reply.no_action":  # a key that means nothing: read the offer out again and ask again
        return voice_script(outbox_id)
    message = db.session.get(OutboxMessage, outbox_id)
    language = VOICE_LANGUAGE[delivery.leader_language(message.organization_id if message else None)]
    twiml = VoiceResponse()
    twiml.say(answered.reply, language=language)
    twiml.hangup()
    return _xml(twiml)


def _xml(twiml) -> Response:
    return Response(str(twiml), mimetype="text/xml")
