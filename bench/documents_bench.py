"""Issue 6 figure: one one-page CJK document (templates/documents/specimen.html — red-head issuer, title, 仿宋
body, signature, QR verification box: four embedded font subsets) rendered by common.documents.render_pdf.

    .venv/bin/python bench/documents_bench.py            # --runs N (default 20)

Prints, for a fresh process: the WeasyPrint import, the first render after start (fontconfig, font loading and
the first subsetting), then the median, min and max of N warm renders, and the PDF's size. Touches no
database: render_pdf takes a template and a context.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONTEXT = {
    "issuer": "焦作市中站区人力资源和社会保障局",
    "title": "农民工工资保证金缴纳通知书",
    "number": "中区人社农保通字〔2026〕第18号",
    "addressee": "河南省中站建设工程有限公司",
    "paragraphs": [
        "你单位承建的中站区府城街道某某安置房项目已推送至中站区人力资源社会保障局。根据《河南省工程建设领域"
        "农民工工资保证金实施办法》，请于2026年12月1日前办理农民工工资保证金缴纳手续。",
        "逾期不缴纳的，依据《保障农民工工资支付条例》第五十五条处5万元以上10万元以下的罚款，并在“信用中国”"
        "网站公示。联系电话：2958033。",
    ],
    "date": "2026年11月16日",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_LOCAL_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongzhan_wages.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from common import documents
    from common.documents import qr_svg_data_uri, render_pdf

    context = {
        **CONTEXT,
        "verify": {
            "qr": qr_svg_data_uri("https://zhongzhan-wages.example.gov.cn/verify/7K3QMXP2DA/"),
            "code": "7K3QM-XP2DA",
            "lookup_url": "https://zhongzhan-wages.example.gov.cn/verify/",
        },
    }

    start = time.perf_counter()
    documents._weasyprint()  # render_pdf imports WeasyPrint lazily: timed apart from the first render
    imported = time.perf_counter() - start

    start = time.perf_counter()
    pdf = render_pdf("documents/specimen.html", context)
    first = time.perf_counter() - start

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    warm = []
    for _ in range(args.runs):
        start = time.perf_counter()
        render_pdf("documents/specimen.html", context)
        warm.append(time.perf_counter() - start)

    print("one-page CJK document (templates/documents/specimen.html), WeasyPrint 70")
    print(f"  import weasyprint          {imported:.3f} s")
    print(f"  first render after start  {first:.3f} s")
    print(
        f"  warm, {args.runs} renders          median {statistics.median(warm):.3f} s"
        f"  (min {min(warm):.3f}, max {max(warm):.3f})"
    )
    print(f"  PDF                       {pages} page(s), {len(pdf) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
