"""One synthetic run written as every format a runner may send: FIT (with Garmin's own
Encoder), GPX, TCX, gzipped, and zipped the way Strava and Garmin export them.

The run goes due north (so the track's length is exact), climbs a 20 m hill in its second
kilometre, stops for a minute in the middle, and is sampled every ``step`` seconds.
"""

from __future__ import annotations

import gzip
import io
import math
import zipfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from garmin_fit_sdk import Encoder, Profile

EARTH_RADIUS = 6_371_008.8
START = datetime(2026, 11, 2, 6, 30, tzinfo=UTC)
MESG = Profile["mesg_num"]


@dataclass(frozen=True)
class Sample:
    at: datetime
    latitude: float
    longitude: float
    altitude: float
    distance: float
    speed: float
    heart_rate: int
    cadence: int  # one foot, as a watch records it
    fractional: float = 0.0


@dataclass(frozen=True)
class SyntheticRun:
    start: datetime = START
    minutes: float = 30.0
    speed: float = 3.2  # m/s: 5:12 per km
    step: int = 2
    pause_at: float = 0.5  # a one-minute stop this far in
    cadence: tuple[int, ...] = (84, 85)  # strides per minute, alternating: 169 steps
    fractional: float = 0.0
    sport: str = "running"
    sub_sport: str = "generic"
    gps: bool = True
    per_second_distance: bool = True  # False: only the session's total (some indoor modes)
    samples: tuple[Sample, ...] = field(default=(), compare=False)

    def built(self) -> SyntheticRun:
        return replace(self, samples=tuple(self._samples()))

    def _samples(self) -> list[Sample]:
        out: list[Sample] = []
        distance = 0.0
        total = int(self.minutes * 60)
        pause = int(total * self.pause_at)
        for second in range(0, total + 61, self.step):
            paused = pause < second <= pause + 60
            if second and not paused:
                distance += self.speed * self.step
            out.append(Sample(
                at=self.start + timedelta(seconds=second),
                latitude=48.0 + math.degrees(distance / EARTH_RADIUS), longitude=11.0,
                altitude=500.0 + _hill(distance), distance=distance,
                speed=0.0 if paused else self.speed, heart_rate=150 + (second // 60) % 10,
                cadence=0 if paused else self.cadence[(second // self.step) % len(self.cadence)],
                fractional=self.fractional))
        return out

    @property
    def distance(self) -> float:
        return self.samples[-1].distance


def _hill(distance: float) -> float:
    """Up 20 m between 1,000 and 1,500 m, down again by 2,000 m."""
    if 1000 <= distance < 1500:
        return (distance - 1000) / 500 * 20
    if 1500 <= distance < 2000:
        return (2000 - distance) / 500 * 20
    return 0.0


def fit_bytes(run: SyntheticRun) -> bytes:
    encoder = Encoder()
    encoder.write_mesg({"mesg_num": MESG["FILE_ID"], "type": "activity",
                        "manufacturer": "development", "product": 1,
                        "time_created": run.start, "serial_number": 1234})
    for s in run.samples:
        record: dict[str, object] = {
            "mesg_num": MESG["RECORD"], "timestamp": s.at, "enhanced_altitude": s.altitude,
            "heart_rate": s.heart_rate, "cadence": s.cadence,
            "fractional_cadence": s.fractional, "step_length": 1130.0,
            "stance_time": 245.0, "vertical_oscillation": 82.0}
        if run.per_second_distance:
            record.update(distance=s.distance, enhanced_speed=s.speed)
        if run.gps:
            record["position_lat"] = round(s.latitude / 180 * 2**31)
            record["position_long"] = round(s.longitude / 180 * 2**31)
        encoder.write_mesg(record)
    last = run.samples[-1]
    elapsed = (last.at - run.start).total_seconds()
    encoder.write_mesg({"mesg_num": MESG["SESSION"], "timestamp": last.at,
                        "start_time": run.start, "sport": run.sport,
                        "sub_sport": run.sub_sport, "total_elapsed_time": elapsed,
                        "total_timer_time": elapsed - 60, "total_distance": last.distance})
    encoder.write_mesg({"mesg_num": MESG["ACTIVITY"], "timestamp": last.at, "num_sessions": 1,
                        "total_timer_time": elapsed - 60})
    return encoder.close()


def gpx_bytes(run: SyntheticRun, cadence_factor: int = 1, sport: str = "running") -> bytes:
    points = "\n".join(
        f'<trkpt lat="{s.latitude:.7f}" lon="{s.longitude:.7f}"><ele>{s.altitude:.1f}</ele>'
        f"<time>{s.at.strftime('%Y-%m-%dT%H:%M:%SZ')}</time><extensions>"
        f"<gpxtpx:TrackPointExtension><gpxtpx:hr>{s.heart_rate}</gpxtpx:hr>"
        f"<gpxtpx:cad>{s.cadence * cadence_factor}</gpxtpx:cad></gpxtpx:TrackPointExtension>"
        f"</extensions></trkpt>" for s in run.samples)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>Morning Run</name><type>{sport}</type><trkseg>{points}</trkseg></trk></gpx>"
    ).encode()


def tcx_bytes(run: SyntheticRun, sport: str = "Running", offset: bool = True) -> bytes:
    stamp = "%Y-%m-%dT%H:%M:%S" + ("Z" if offset else "")
    points = "\n".join(
        f"<Trackpoint><Time>{s.at.strftime(stamp)}</Time>"
        + (f"<Position><LatitudeDegrees>{s.latitude:.7f}</LatitudeDegrees>"
           f"<LongitudeDegrees>{s.longitude:.7f}</LongitudeDegrees></Position>"
           if run.gps else "")
        + f"<AltitudeMeters>{s.altitude:.1f}</AltitudeMeters>"
        f"<DistanceMeters>{s.distance:.2f}</DistanceMeters>"
        f"<HeartRateBpm><Value>{s.heart_rate}</Value></HeartRateBpm>"
        f"<Extensions><ns3:TPX><ns3:Speed>{s.speed}</ns3:Speed>"
        f"<ns3:RunCadence>{s.cadence}</ns3:RunCadence></ns3:TPX></Extensions></Trackpoint>"
        for s in run.samples)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2" xmlns:ns3="http://www.garmin.com/xmlschemas/'
        f'ActivityExtension/v2"><Activities><Activity Sport="{sport}">'
        f"<Id>{run.start.strftime(stamp)}</Id><Lap StartTime=\"{run.start.strftime(stamp)}\">"
        f"<TotalTimeSeconds>{run.minutes * 60:.0f}</TotalTimeSeconds>"
        f"<DistanceMeters>{run.distance:.1f}</DistanceMeters><Track>{points}</Track></Lap>"
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def strava_export(runs: dict[str, bytes]) -> bytes:
    """Strava's bulk export: activities.csv, activities/<id>.<ext>[.gz], and some photos."""
    csv = "Activity ID,Activity Date,Activity Type,Filename\n" + "".join(
        f"{i},x,Run,activities/{name}\n" for i, name in enumerate(runs))
    members = {"activities.csv": csv.encode(), "media/photo.jpg": b"\xff\xd8\xff\xe0 jpeg"}
    members.update({f"activities/{name}": data for name, data in runs.items()})
    return zipped(members)


_SHOWN: dict[str, object] = {
    "date": "2026-11-02", "weekday": "Mon", "time": "07:30", "km": "5.76", "moving": "30:00",
    "pace": "5:12", "ascent": 18, "cadence": 169, "step_cm": 113, "contact_ms": 245,
    "oscillation_cm": "8.2", "heart_rate": 154, "indoor": False,
    "splits": [{"number": 1, "km": "1.00", "pace": "5:12", "cadence": 169},
               {"number": 2, "km": "0.76", "pace": "5:13", "cadence": None}]}
# The run templates' samples for tests/test_templates.py.
RUN_SAMPLES: dict[str, dict[str, object]] = {
    "run_read": {"runs": [_SHOWN], "more": 0, "repeated": 1, "unread": 12,
                 "skipped": [{"reason": "other_sport", "sport": "cycling"},
                             {"reason": "future", "sport": "other"}]},
    "run_refused": {"reason": "nested"},
    "run_start_first": {},
    "runs_list": {"runs": [_SHOWN, {**_SHOWN, "cadence": None, "indoor": True}]},
}
