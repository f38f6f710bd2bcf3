"""Conversations in the states real LINE Official Accounts are in, made through the sandbox.

The sandbox's own users follow first and always have a profile; real accounts connect an inbox
years after their friends followed, to a platform that answers 404 for profiles it will not
show, deletes media after a while and sends events the inbox has never heard of. Server tests
(`test_real_world.py`) and the browser test (`test_real_world_browser.py`) both start from
`build_real_world()`, each case saying what a person must see when they open it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.models import Conversation
from tests.sandbox_fixture import LineSandbox
from tests.sandbox_flows import AVATAR, PNG

FRIEND_BEFORE_INBOX = "Friend (since before this inbox)"
NOT_FRIEND = "Not a friend, or blocked the account"


@dataclass(frozen=True)
class RealCase:
    """One conversation: how to find it, and what its thread and profile panel must show."""

    key: str
    source_id: str  # the LINE user, group or room ID of the chat
    thread: tuple[str, ...]
    profile: tuple[str, ...]
    follow_state: str | None = None  # a one-to-one chat's contact, as the API reports it

    @property
    def conversation(self) -> Conversation:
        return db.session.scalars(
            sa.select(Conversation).where(Conversation.source_id == self.source_id)
        ).one()


def build_real_world(sandbox: LineSandbox) -> dict[str, RealCase]:
    """Provision a shop and put one conversation in each real-world state; run the inbox's
    jobs (profiles, media) once, as a worker would, after LINE deleted the expired media."""
    shop = sandbox.provision(name="Real shop 本物")
    cases: list[RealCase] = []

    kenji = sandbox.user(
        "Kenji 健二",
        channel=shop,
        before_inbox=True,
        status_message="いつもありがとう",
        language="ja",
        picture=AVATAR,
    )
    sandbox.say(shop, kenji, "前から友だちです。注文の件で連絡しました")
    cases.append(
        RealCase(
            "friend_before_inbox",
            kenji,
            thread=("前から友だちです。注文の件で連絡しました",),
            profile=("Kenji 健二", FRIEND_BEFORE_INBOX, "いつもありがとう"),
            follow_state="following",
        )
    )

    ploy = sandbox.user("Ploy พลอย", channel=shop, before_inbox=True, language="th")
    sandbox.hide_profile(shop, ploy)
    sandbox.say(shop, ploy, "สวัสดีค่ะ ขอสอบถามเรื่องการจัดส่งหน่อยค่ะ")
    cases.append(
        RealCase(
            "profile_404",
            ploy,
            thread=("สวัสดีค่ะ ขอสอบถามเรื่องการจัดส่งหน่อยค่ะ",),
            profile=("LINE user", NOT_FRIEND, ploy),
            follow_state="not_friend",
        )
    )

    budi = sandbox.user("Budi", channel=shop, before_inbox=True, language=None)
    sandbox.say(shop, budi, "Halo, pesanan saya belum sampai")
    cases.append(
        RealCase(
            "bare_profile",
            budi,
            thread=("Halo, pesanan saya belum sampai",),
            profile=("Budi", FRIEND_BEFORE_INBOX),
            follow_state="following",
        )
    )

    # Members of a group who never added the account: LINE shows no profile of theirs.
    strangers = [sandbox.user(name, language="th") for name in ("Mali มะลิ", "Chai ชัย")]
    for stranger in strangers:
        sandbox.hide_profile(shop, stranger)
    team = sandbox.group(strangers, name="ทีมงาน Team", channel=shop)
    sandbox.say(shop, strangers[0], "ขอใบเสนอราคาด้วยครับ", chat=("group", team))
    sandbox.say(shop, strangers[1], "見積もりをお願いします", chat=("group", team))
    cases.append(
        RealCase(
            "group_of_strangers",
            team,
            thread=("ขอใบเสนอราคาด้วยครับ", "見積もりをお願いします", "The account joined this chat"),
            profile=("ทีมงาน Team", "LINE group"),
        )
    )

    sari = sandbox.user("Sari", channel=shop, language="id")
    room = sandbox.room([sari, strangers[0]], channel=shop)
    sandbox.say(shop, sari, "Kami bertiga mau pesan", chat=("room", room))
    cases.append(
        RealCase(
            "room",
            room,
            thread=("Kami bertiga mau pesan",),
            profile=("LINE multi-person chat (room)", "Sari"),
        )
    )

    somsak = sandbox.user("Somsak สมศักดิ์", channel=shop, before_inbox=True, language="th")
    sandbox.send_event(shop, somsak, "futureFeature", futureFeature={"level": 3})
    sandbox.say(shop, somsak, "ข้อความหลังเหตุการณ์ใหม่")
    cases.append(
        RealCase(
            "unknown_event",
            somsak,
            thread=("An event the inbox cannot show yet: futureFeature", "ข้อความหลังเหตุการณ์ใหม่"),
            profile=("Somsak สมศักดิ์", FRIEND_BEFORE_INBOX),
            follow_state="following",
        )
    )

    aiko = sandbox.user("Aiko 愛子", channel=shop, before_inbox=True, language="ja")
    photo = sandbox.send_media(shop, aiko, "image", PNG, "receipt.png")
    sandbox.say(shop, aiko, "写真は見えますか")
    cases.append(
        RealCase(
            "expired_media",
            aiko,
            thread=("No longer available", "写真は見えますか"),
            profile=("Aiko 愛子", FRIEND_BEFORE_INBOX),
            follow_state="following",
        )
    )

    nok = sandbox.user("Nok นก", channel=shop, language="th")
    mistake = sandbox.say(shop, nok, "ส่งผิดคนค่ะ")
    sandbox.unsend(mistake)
    sandbox.say(shop, nok, "ขอโทษค่ะ ส่งผิด")
    cases.append(
        RealCase(
            "unsent",
            nok,
            thread=("Message unsent", "ขอโทษค่ะ ส่งผิด"),
            profile=("Nok นก", "Friend · since"),
            follow_state="following",
        )
    )

    dewi = sandbox.user("Dewi", channel=shop, language="id")
    sandbox.unfollow(shop, dewi)
    sandbox.follow(shop, dewi)
    sandbox.say(shop, dewi, "Saya kembali, masih bisa pesan?")
    cases.append(
        RealCase(
            "blocked_then_unblocked",
            dewi,
            thread=("Dewi blocked the account", "Dewi unblocked the account", "Saya kembali"),
            profile=("Dewi", "Friend · since"),
            follow_state="following",
        )
    )

    sandbox.wait_idle()
    # LINE deleted the photo before the inbox's media job came for it.
    sandbox.expire_content(photo.message_id)
    run_due_jobs()
    db.session.expire_all()
    return {case.key: case for case in cases}
