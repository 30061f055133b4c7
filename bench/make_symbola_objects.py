#!/usr/bin/python3
"""Makes `symbola-objects`, a set of our own for bench/quality.sh: up to 200 line drawings of things (food, plants,
buildings, vehicles, tools, office objects) rendered from Debian's fonts-symbola, black on white, 200x200 PNG.
It shares symbola176's drawing style but none of its subjects (symbola176 holds its animals, people and faces).
  apt-get install fonts-symbola python3-pil;  /usr/bin/python3 bench/make_symbola_objects.py artifacts/datasets/symbola-objects
"""
import os
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"
RANGES = [(0x1F32D, 0x1F37F), (0x1F380, 0x1F393), (0x1F3E0, 0x1F3F0), (0x1F4A1, 0x1F4FC), (0x1F680, 0x1F6C5), (0x1F331, 0x1F344)]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "artifacts/datasets/symbola-objects"
    os.makedirs(out, exist_ok=True)
    font = ImageFont.truetype(FONT, 150)
    count = 0
    for start, end in RANGES:
        for code in range(start, end + 1):
            if count >= 200:
                break
            glyph = chr(code)
            if font.getmask(glyph).getbbox() is None:
                continue  # not in the font
            canvas = Image.new("L", (300, 300), 255)
            ImageDraw.Draw(canvas).text((150, 150), glyph, font=font, fill=0, anchor="mm")
            box = Image.eval(canvas, lambda v: 255 - v).getbbox()
            if box is None or (box[2] - box[0]) < 20 or (box[3] - box[1]) < 20:
                continue
            crop = canvas.crop(box)
            side = int(max(crop.size) * 1.15)
            square = Image.new("L", (side, side), 255)
            square.paste(crop, ((side - crop.size[0]) // 2, (side - crop.size[1]) // 2))
            square.resize((200, 200), Image.LANCZOS).save(os.path.join(out, f"{count:03d}_U{code:05X}.png"))
            count += 1
    print(f"{count} drawings in {out}")


if __name__ == "__main__":
    main()
