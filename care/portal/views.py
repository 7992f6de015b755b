"""Pages of the organisation's app. Who may do what: care.portal.access."""

import html
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care import provision as prov
from care import report as rep
from care.couple import CoupleError
from care.portal.forms import CoupleForm, initial_from, translate
from care.portal.models import AuditEntry, Couple, Device, DeviceEvent, Profile, Report
from care.usb import DeviceError, open_device

SET_UP, ALL, READ, DEVICES = ("portal.set_up_couple", "portal.view_all_couples",
                              "portal.read_report", "portal.manage_devices")


def visible_couples(user):
    """A caseworker sees only the couples assigned to them."""
    if user.has_perm(ALL):
        return Couple.objects.all()
    if user.has_perm(READ):
        return user.assigned_couples.all()
    return Couple.objects.none()


def couple_for(request, pk, action):
    couple = visible_couples(request.user).filter(pk=pk).first()
    if couple is None:
        AuditEntry.write(request, "", "refused", "%s couple %s" % (action, pk))
        raise Http404(_("No such couple"))
    AuditEntry.write(request, couple, action)
    return couple


def need(request, perm):
    if not request.user.has_perm(perm):
        AuditEntry.write(request, "", "refused", "%s %s" % (perm, request.path))
        raise PermissionDenied


@login_required
def home(request):
    couples = visible_couples(request.user).order_by("ref")
    return render(request, "portal/home.html", {"couples": couples})


@login_required
@require_POST
def language(request):
    lang = request.POST.get("language")
    if lang in ("nl", "en"):
        profile = Profile.for_user(request.user)
        profile.language = lang
        profile.save()
        translation.activate(lang)
    return redirect(request.POST.get("next") or "home")


@login_required
def couple_edit(request, pk=None):
    need(request, SET_UP)
    couple = couple_for(request, pk, "edit set-up") if pk else None
    if request.method == "POST":
        form = CoupleForm(request.POST)
        if form.is_valid():
            doc = form.normalised
            other = Couple.objects.filter(ref=doc["couple"]).exclude(pk=pk or 0)
            if other.exists():
                form.add_error("ref", _("another couple has this reference"))
            else:
                with transaction.atomic():
                    if couple is None:
                        couple = Couple(created_by=request.user)
                    couple.ref, couple.doc = doc["couple"], doc
                    couple.language = form.cleaned_data["language"]
                    couple.save()
                    AuditEntry.write(request, couple, "saved set-up")
                for note in form.notes:
                    messages.info(request, note)
                messages.success(request, _("The set-up is valid and saved."))
                return redirect("couple", pk=couple.pk)
    else:
        form = CoupleForm(initial=initial_from(couple.doc, couple.language) if couple else
                          {"language": Profile.for_user(request.user).language})
    return render(request, "portal/couple_form.html", {"form": form, "couple": couple,
                                                       "map": area_map(form)})


def area_map(form):
    """The map of the organisation's area, its marker at the home in the form (None: the area
    setting is broken, which the form's check reports)."""
    from care.portal.mapview import AreaMap

    values = form.data if form.is_bound else form.initial
    try:
        return AreaMap().context((values.get("home_lat", ""), values.get("home_lon", "")))
    except CoupleError:
        return None


@login_required
def couple_detail(request, pk):
    couple = couple_for(request, pk, "viewed couple")
    summary = None
    if request.user.has_perm(SET_UP):
        try:
            summary = rep_summary(device_doc(couple))
        except CoupleError as e:
            summary = [translate(p) for _, p in e.problems]
    return render(request, "portal/couple.html", {
        "couple": couple, "summary": summary, "reports": couple.reports.all(),
        "devices": couple.devices.all(),
        "stock": Device.objects.exclude(state=Device.LOANED).order_by("label"),
        "can_set_up": request.user.has_perm(SET_UP),
        "caseworkers": caseworker_accounts() if request.user.has_perm(SET_UP) else (),
        "assigned": set(couple.caseworkers.values_list("username", flat=True)),
        "can_read": request.user.has_perm(READ)})


def rep_summary(doc):
    from care import couple as rules

    configs = rules.build_configs(doc, rules.PLACEHOLDER_SECRET)
    return rules.summary(doc, configs, _)


def device_doc(couple):
    """The couple's document as the devices are written from it: the couple's language (the
    one its sheets are printed in) is what the devices speak."""
    doc = json.loads(json.dumps(couple.doc))
    if isinstance(doc.get("settings"), dict):
        doc["settings"]["language"] = couple.language
    return doc


def caseworker_accounts():
    from django.contrib.auth.models import User

    return User.objects.filter(groups__name="caseworker", is_active=True).order_by("username")


@login_required
@require_POST
def assign(request, pk):
    """Who may see this couple: the caseworkers assigned by a social worker."""
    need(request, SET_UP)
    couple = couple_for(request, pk, "assigned caseworkers")
    chosen = caseworker_accounts().filter(username__in=request.POST.getlist("caseworker"))
    couple.caseworkers.set(chosen)
    AuditEntry.write(request, couple, "caseworkers", ", ".join(u.username for u in chosen))
    messages.success(request, _("Caseworkers saved."))
    return redirect("couple", pk=pk)


MAX_UPLOAD = 8 * 1024 * 1024  # a recorded task: 20 s of 48 kHz stereo WAV is under 4 MB


def prompt_renderer(request):
    """render(config, role) for care.provision: the spoken prompts of each device the social
    worker marked as having a speaker (its task from their recording, if one was uploaded),
    None for the others. A recording that is too big is refused before anything is read."""
    wavs = {}
    for role in "AB":
        upload = request.FILES.get("task_wav_" + role)
        if upload is not None and upload.size > MAX_UPLOAD:
            raise prov.ProvisionError(_("the recording of partner %(role)s is too big")
                                      % {"role": role})
        wavs[role] = upload
    speakers = {r for r in "AB" if request.POST.get("speaker_" + r)}
    if any(wavs[r] is not None and r not in speakers for r in "AB"):
        raise prov.ProvisionError(_("a recorded task needs a device with a speaker"))
    if not speakers:
        return None
    from care.prompts import render_clips

    def render(cfg, role):
        return render_clips(cfg, wavs[role]) if role in speakers else None
    return render


@login_required
@require_POST
def provision_view(request, pk):
    need(request, SET_UP)
    couple = couple_for(request, pk, "provisioned")
    ports = {r: request.POST.get("port_" + r, "").strip() for r in "AB"}
    labels = {r: request.POST.get("device_" + r, "").strip() for r in "AB"}
    said = []
    try:
        if not all(ports.values()) or ports["A"] == ports["B"]:
            raise prov.ProvisionError(_("give two different ports, one per device"))
        if not all(labels.values()) or labels["A"] == labels["B"]:
            raise prov.ProvisionError(_("choose two different devices from the inventory"))
        devices = {r: Device.objects.get(label=labels[r]) for r in "AB"}
        for d in devices.values():
            if d.state == Device.LOANED and d.couple_id != couple.pk:
                raise prov.ProvisionError(_("%(device)s is loaned to another couple")
                                          % {"device": d.label})
        render = prompt_renderer(request)
        devs = {r: open_device(ports[r]) for r in "AB"}
        prov.provision(device_doc(couple), devs, confirm=None, say=said.append, labels=labels,
                       tr=_, prompts=render)
    except Device.DoesNotExist:
        messages.error(request, _("unknown device"))
        return redirect("couple", pk=pk)
    except CoupleError as e:
        for _f, p in e.problems:
            messages.error(request, translate(p))
        return redirect("couple", pk=pk)
    except (prov.ProvisionError, DeviceError) as e:
        messages.error(request, translate(str(e)))
        return redirect("couple", pk=pk)
    except (ValueError, RuntimeError, OSError) as e:  # the prompts: espeak-ng or a recording
        messages.error(request, _("spoken prompts: %(error)s: nothing was written")
                       % {"error": translate(str(e))})
        return redirect("couple", pk=pk)
    now = timezone.now()
    with transaction.atomic():
        for r, d in devices.items():
            if d.state != Device.LOANED or d.couple_id != couple.pk:
                d.state, d.couple, d.role, d.since = Device.LOANED, couple, r, now
                d.save()
                DeviceEvent.objects.create(device=d, kind="loaned", couple_ref=couple.ref,
                                           role=r, by=request.user.get_username())
        couple.provisioned_at = now
        couple.save()
    messages.success(request, _("Both devices written and read back."))
    for line in said:
        messages.info(request, line)
    return redirect("couple", pk=pk)


@login_required
def sheets(request, pk):
    need(request, SET_UP)
    couple = couple_for(request, pk, "printed sheets")
    from care import legend

    with translation.override(couple.language):
        people = [(r, couple.doc[r], legend.rows(couple.language, couple.doc[r].get("task", ""),
                                                 _("number"), _("name")),
                   legend.contact_texts(couple.doc, r))
                  for r in ("A", "B")]
        return render(request, "portal/sheets.html", {"couple": couple, "people": people})


@login_required
@require_POST
def read_devices(request, pk):
    need(request, READ)
    couple = couple_for(request, pk, "read devices")
    ports = [request.POST.get("port_" + r, "").strip() for r in "AB"]
    try:
        if not all(ports) or ports[0] == ports[1]:
            raise rep.ReportError(_("give two different ports, one per device"))
        data = rep.collect([open_device(p) for p in ports], couple.ref)
    except (rep.ReportError, DeviceError) as e:
        messages.error(request, translate(str(e)))
        return redirect("couple", pk=pk)
    # Only what the partners shared reaches the database: collect() filtered it.
    data["items"] = [[role, entry] for role, entry in data["items"]]
    report = Report.objects.create(couple=couple, data=data,
                                   made_by=request.user.get_username())
    return redirect("report", pk=report.pk)


def _report_for(request, pk, action):
    report = get_object_or_404(Report, pk=pk)
    need(request, READ)
    couple_for(request, report.couple_id, action)
    return report


@login_required
def report_view(request, pk):
    report = _report_for(request, pk, "viewed report")
    data = dict(report.data, items=[tuple(x) for x in report.data["items"]])
    body = rep.render_body(data, tr=_)
    return render(request, "portal/report.html", {"report": report, "body": body,
                                                  "css": rep.PRINT_CSS})


@login_required
def report_csv(request, pk):
    report = _report_for(request, pk, "exported report")
    items = [tuple(x) for x in report.data["items"]]
    resp = HttpResponse(rep.events_csv(items), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = "attachment; filename=%s-events.csv" % report.couple.ref
    return resp


@login_required
@require_POST
def end_loan(request, pk):
    """The loan ends: devices marked returned, the couple's data (set-up, reports) deleted."""
    need(request, SET_UP)
    couple = couple_for(request, pk, "ended loan")
    with transaction.atomic():
        for d in couple.devices.all():
            d.state, d.couple, d.since = Device.RETURNED, None, timezone.now()
            d.save()
            DeviceEvent.objects.create(device=d, kind="returned", couple_ref=couple.ref,
                                       role=d.role, by=request.user.get_username())
        ref = couple.ref
        couple.delete()
    messages.success(request, _("Loan of %(ref)s ended: its data is deleted; wipe the returned "
                                "devices.") % {"ref": html.escape(ref)})
    return redirect("devices")


@login_required
def devices(request):
    need(request, DEVICES)
    if request.method == "POST":
        if request.POST.get("add"):
            label = request.POST["add"].strip()[:30]
            if label and not Device.objects.filter(label=label).exists():
                d = Device.objects.create(label=label)
                DeviceEvent.objects.create(device=d, kind="added",
                                           by=request.user.get_username())
        elif request.POST.get("wipe"):
            d = get_object_or_404(Device, label=request.POST["wipe"])
            port = request.POST.get("port", "").strip()
            try:
                if d.state == Device.LOANED:
                    raise prov.ProvisionError(_("end the loan first"))
                prov.wipe(open_device(port))
            except (prov.ProvisionError, DeviceError) as e:
                messages.error(request, translate(str(e)))
            else:
                d.state, d.role, d.since = Device.WIPED, "", timezone.now()
                d.save()
                DeviceEvent.objects.create(device=d, kind="wiped",
                                           by=request.user.get_username())
                messages.success(request, _("%(device)s wiped") % {"device": d.label})
        return redirect("devices")
    return render(request, "portal/devices.html", {
        "devices": Device.objects.order_by("label"),
        "events": DeviceEvent.objects.select_related("device")[:50]})


@login_required
def audit(request):
    if not request.user.is_superuser:
        raise PermissionDenied
    return render(request, "portal/audit.html", {"entries": AuditEntry.objects.all()[:500]})
