"""Demo style library: one style and a few captioned base images, drawn here with Pillow.

Seeded through the running gateway's HTTP API, so it goes through the same checks as any
client's data and lands wherever the gateway keeps it (database, local folder or S3). Anything
already there is left alone, so restarting the stack never duplicates or overwrites data.
"""

import io
import math
import random
from collections.abc import Callable

import httpx
from PIL import Image, ImageDraw

SIZE = (768, 432)
DEMO_STYLE = {
    "id": "1",
    "name": "Ink Noir",
    "lora_name": "SBai_style_1.safetensors",
    "lora_strength_model": 1.1,
    "lora_strength_clip": 1.1,
    "trigger_words": "style SBai_style_1",
    "frontpad": "bold black and white line art, heavy ink shadows, high contrast,",
    "backpad": "frank miller style graphic novel panel",
}

Painter = Callable[[ImageDraw.ImageDraw, random.Random], None]
Colour = tuple[int, int, int]


def _sky(draw: ImageDraw.ImageDraw, top: Colour, bottom: Colour, *, until: int) -> None:
    for y in range(until):
        t = y / max(until - 1, 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (SIZE[0], y)], fill=colour)


def _lighthouse(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _sky(draw, (60, 40, 110), (250, 150, 90), until=260)
    draw.rectangle([0, 260, SIZE[0], SIZE[1]], fill=(30, 70, 120))
    for x in range(0, SIZE[0], 40):
        y = 280 + rng.randrange(120)
        draw.arc([x, y, x + 40, y + 20], 200, 340, "white")
    draw.polygon([(380, 432), (470, 300), (620, 290), (768, 380), (768, 432)], fill=(45, 40, 35))
    for band in range(6):
        colour = (200, 30, 30) if band % 2 else (240, 240, 235)
        draw.rectangle([505 + band * 2, 130 + band * 28, 555 - band * 2, 158 + band * 28], colour)
    draw.rectangle([500, 105, 560, 130], fill=(250, 230, 120))
    draw.polygon([(530, 115), (0, 40), (0, 150)], fill=(255, 240, 170))


def _city(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _sky(draw, (5, 10, 40), (40, 40, 90), until=SIZE[1])
    draw.ellipse([620, 40, 680, 100], fill=(240, 240, 210))
    x = 0
    while x < SIZE[0]:
        width, height = rng.randrange(50, 110), rng.randrange(140, 330)
        draw.rectangle([x, SIZE[1] - 60 - height, x + width, SIZE[1] - 60], fill=(25, 25, 35))
        for wy in range(SIZE[1] - 50 - height, SIZE[1] - 70, 22):
            for wx in range(x + 8, x + width - 12, 18):
                if rng.random() < 0.55:
                    draw.rectangle([wx, wy, wx + 8, wy + 10], fill=(250, 210, 90))
        x += width + rng.randrange(4, 16)
    draw.rectangle([0, SIZE[1] - 60, SIZE[0], SIZE[1]], fill=(50, 50, 55))
    for lamp in range(40, SIZE[0], 160):
        draw.line([(lamp, SIZE[1] - 60), (lamp, SIZE[1] - 150)], fill=(90, 90, 90), width=4)
        draw.ellipse([lamp - 10, SIZE[1] - 165, lamp + 10, SIZE[1] - 145], fill=(255, 230, 150))


def _cabin(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _sky(draw, (120, 180, 230), (210, 230, 240), until=300)
    draw.rectangle([0, 300, SIZE[0], SIZE[1]], fill=(70, 120, 50))
    for _ in range(22):
        x, base = rng.randrange(SIZE[0]), rng.randrange(300, 420)
        height = rng.randrange(120, 220)
        draw.rectangle([x - 5, base - 20, x + 5, base], fill=(80, 50, 30))
        draw.polygon([(x, base - height), (x - 40, base - 20), (x + 40, base - 20)], (20, 80, 40))
    draw.rectangle([300, 250, 470, 360], fill=(120, 75, 40))
    draw.polygon([(285, 250), (385, 180), (485, 250)], fill=(90, 40, 30))
    draw.rectangle([370, 300, 400, 360], fill=(60, 35, 20))
    draw.rectangle([320, 275, 355, 305], fill=(250, 220, 120))
    draw.rectangle([440, 170, 455, 215], fill=(80, 80, 80))
    for puff in range(4):
        draw.ellipse([435 + puff * 12, 140 - puff * 30, 465 + puff * 16, 165 - puff * 28], "white")


def _desert(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _sky(draw, (250, 200, 120), (255, 235, 190), until=240)
    draw.ellipse([310, 120, 460, 270], fill=(255, 170, 60))
    draw.rectangle([0, 240, SIZE[0], SIZE[1]], fill=(225, 180, 120))
    draw.polygon([(360, 240), (410, 240), (640, 432), (130, 432)], fill=(70, 65, 65))
    for step in range(6):
        y0, y1 = 250 + step**2 * 5, 262 + step**2 * 6
        draw.rectangle([382 - step, y0, 388 + step, y1], fill=(250, 240, 200))
    for x in (90, 220, 600, 700):
        top = 230 + rng.randrange(40)
        draw.rounded_rectangle([x, top, x + 22, top + 120], 10, fill=(40, 130, 60))
        draw.rounded_rectangle([x - 24, top + 40, x, top + 52], 6, fill=(40, 130, 60))
        draw.rounded_rectangle([x - 24, top + 10, x - 12, top + 52], 6, fill=(40, 130, 60))


def _lake(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _sky(draw, (150, 190, 240), (230, 240, 250), until=250)
    peaks = [(0, 250), (140, 90), (260, 250), (330, 60), (480, 250), (600, 110), (768, 250)]
    for (x0, y0), (x1, y1), (x2, y2) in zip(peaks[::2], peaks[1::2], peaks[2::2], strict=False):
        draw.polygon([(x0, y0), (x1, y1), (x2, y2)], fill=(90, 100, 120))
        draw.polygon([(x1, y1), (x1 - 30, y1 + 50), (x1 + 30, y1 + 50)], fill="white")
    draw.rectangle([0, 250, SIZE[0], SIZE[1]], fill=(50, 100, 150))
    for y in range(260, SIZE[1], 14):
        x = rng.randrange(SIZE[0])
        draw.line([(x, y), (x + 60, y)], fill=(150, 190, 220), width=2)
    draw.polygon([(330, 330), (450, 330), (430, 355), (350, 355)], fill=(140, 60, 30))
    draw.line([(390, 330), (390, 270)], fill=(60, 40, 20), width=4)
    draw.polygon([(392, 272), (392, 325), (440, 325)], fill=(245, 245, 235))


def _diner(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _sky(draw, (90, 170, 240), (180, 220, 250), until=280)
    draw.rectangle([0, 280, SIZE[0], SIZE[1]], fill=(110, 110, 110))
    draw.rectangle([80, 140, 520, 290], fill=(220, 220, 225))
    draw.rectangle([80, 140, 520, 165], fill=(200, 30, 40))
    for x in range(100, 500, 70):
        draw.rectangle([x, 185, x + 50, 240], fill=(120, 180, 220))
    draw.rectangle([180, 70, 420, 125], fill=(30, 30, 30))
    draw.text((205, 85), "DINER  OPEN 24H", fill=(255, 80, 120))
    body = [(470, 360), (490, 320), (560, 305), (640, 305), (690, 330), (720, 360)]
    draw.polygon(body, fill=(190, 20, 30))
    draw.rectangle([460, 355, 730, 380], fill=(190, 20, 30))
    for wheel in (510, 680):
        draw.ellipse([wheel - 22, 362, wheel + 22, 406], fill=(20, 20, 20))
        draw.ellipse([wheel - 9, 375, wheel + 9, 393], fill=(200, 200, 200))
    draw.polygon([(505, 325), (560, 312), (600, 312), (600, 340), (500, 340)], (170, 210, 230))


def _balloon(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _sky(draw, (100, 160, 230), (250, 210, 170), until=SIZE[1])
    for layer, colour in enumerate(((90, 150, 70), (70, 130, 60), (50, 110, 50))):
        base = 300 + layer * 40
        points = [
            (x, base - 30 * math.sin(x / (90 + 30 * layer) + layer)) for x in range(0, 769, 16)
        ]
        draw.polygon([(0, SIZE[1]), *points, (SIZE[0], SIZE[1])], fill=colour)
    for stripe, colour in enumerate(((230, 60, 50), (250, 200, 50), (60, 120, 220))):
        draw.pieslice([300 + stripe * 30, 60, 460 - stripe * 30, 230], 0, 360, fill=colour)
    draw.polygon([(318, 180), (442, 180), (395, 250), (365, 250)], fill=(230, 60, 50))
    draw.line([(367, 250), (370, 280)], fill=(60, 40, 20), width=2)
    draw.line([(393, 250), (390, 280)], fill=(60, 40, 20), width=2)
    draw.rectangle([362, 280, 398, 305], fill=(120, 80, 40))
    for _ in range(5):
        x, y = rng.randrange(SIZE[0]), rng.randrange(40, 160)
        draw.ellipse([x, y, x + 90, y + 28], fill=(250, 250, 250))


DEMO_SCENES: list[tuple[str, str, Painter]] = [
    ("demo_lighthouse.jpg", "a movie scene of a lighthouse on a rocky coast at dusk", _lighthouse),
    ("demo_city_night.jpg", "a movie scene of a city street with lit windows at night", _city),
    ("demo_forest_cabin.jpg", "a movie scene of a wooden cabin among pine trees", _cabin),
    ("demo_desert_road.jpg", "a movie scene of a desert road with cacti under a low sun", _desert),
    ("demo_mountain_lake.jpg", "a movie scene of a sailing boat on a mountain lake", _lake),
    ("demo_diner.jpg", "a movie scene of a red car parked outside a roadside diner", _diner),
    ("demo_balloon.jpg", "a movie scene of a hot air balloon over rolling hills", _balloon),
]


def draw_scene(painter: Painter, *, seed: int) -> bytes:
    """One demo scene as a JPEG."""
    image = Image.new("RGB", SIZE)
    painter(ImageDraw.Draw(image), random.Random(seed))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


async def seed_demo_styles(gateway_url: str, *, api_key: str | None = None) -> list[str]:
    """Create the demo style and base images that are missing; returns what was added."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    added: list[str] = []
    async with httpx.AsyncClient(base_url=gateway_url, headers=headers, timeout=30) as client:
        style = await client.get(f"/api/styles/{DEMO_STYLE['id']}")
        if style.status_code == httpx.codes.NOT_FOUND:
            (await client.post("/api/styles", json=DEMO_STYLE)).raise_for_status()
            added.append(f"style {DEMO_STYLE['id']} {DEMO_STYLE['name']}")
        else:
            style.raise_for_status()
        listing = (await client.get("/api/base-images")).raise_for_status().json()
        present = {image["filename"] for image in listing["images"]}
        for seed, (filename, caption, painter) in enumerate(DEMO_SCENES):
            if filename in present:
                continue
            files = {"file": (filename, draw_scene(painter, seed=seed), "image/jpeg")}
            response = await client.post("/api/base-images", files=files, data={"caption": caption})
            if response.status_code == httpx.codes.CONFLICT:
                continue  # the user has an image of that name in another format: theirs stays
            response.raise_for_status()
            added.append(filename)
    return added
