"""Time search queries against a large generated database.

    .venv/bin/python bench/search.py [--articles N] [--runs R] [--database-url postgresql://…]

Builds a throwaway SQLite database with N generated bilingual articles
(100,000 by default) with the search index installed, then prints, for a
fixed set of queries, the median and 95th-percentile time over R runs and
the number of results, beside the feed's own queries as a baseline.
With --database-url it fills that PostgreSQL database instead, which must
hold no articles yet (or measures it as it is, with --keep).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ainews import search  # noqa: E402
from ainews.clock import utcnow
from ainews.db import database, write_transaction  # noqa: E402
from ainews.schema import create_tables, update_statistics  # noqa: E402
from app import create_app  # noqa: E402
from models import Article, ArticleTag, Tag, article_count  # noqa: E402

# Word lists, drawn from on a rough Zipf curve like real text. The lists are
# short, so most words still turn up in most articles: a hard case for one-
# and two-character terms. The rare words turn up about once per thousand
# articles.
EN_WORDS = """the of and to a in for is on that with as by from at its new this are
model models AI open source data training GPU chips compute research safety agents
benchmark inference startup funding cloud language reasoning robots vision speech
developers users companies government privacy copyright energy hardware software
release launch paper lab team large small faster cheaper better says will could more
than their after before while policy regulation lawmakers Europe China schools
classroom hospitals banks code assistant search video images weights license
evaluation alignment lawsuit memory latency accuracy cost price deal partnership
contract investors valuation billion million percent week month year""".split()
ZH_WORDS = """的 了 在 和 是 与 对 将 也 这 一个 新 更 中 上 模型 开源 数据 训练 芯片 算力 推理
监管 政策 安全 研究 公司 发布 用户 开发者 大模型 人工智能 机器人 智能体 基准 评测 隐私
版权 能源 云计算 初创 融资 中国 美国 欧洲 学校 课堂 医疗 金融 语言 视觉 语音 代码 论文
实验室 团队 伦理 硬件 软件 成本 价格 合作 投资者 估值 亿元 百分之 本周 本月 今年 AI GPU
搜索 视频 图像 权重 许可 评估 对齐 诉讼 内存 延迟 准确率""".split()
EN_RARE = ["neuromorphic", "photonic", "homomorphic", "zettascale"]
ZH_RARE = ["类脑", "光子", "同态加密", "量子退火"]
TAGS = [
    ("open-source", "Open Source", "开源"),
    ("policy", "Policy", "政策"),
    ("ethics", "Ethics", "伦理"),
    ("chips", "Chips", "芯片"),
    ("research", "Research", "研究"),
    ("funding", "Funding", "融资"),
    ("safety", "Safety", "安全"),
    ("robotics", "Robotics", "机器人"),
    ("education", "Education", "教育"),
    ("health", "Health", "医疗"),
    ("law", "Law", "法律"),
    ("agents", "Agents", "智能体"),
    ("cloud", "Cloud", "云计算"),
    ("china", "China", "中国"),
    ("europe", "Europe", "欧洲"),
    ("startups", "Startups", "初创公司"),
]
QUERIES = [
    ("zh 2 chars, common", "开源"),
    ("zh 2 chars, rare", "类脑"),
    ("zh 1 char", "中"),
    ("zh 4 chars", "开源模型"),
    ("en common word", "model"),
    ("en rare word", "neuromorphic"),
    ("en 2 letters", "AI"),
    ("mixed", "开源 AI"),
    ("mixed, rare", "photonic 监管"),
    ("phrase", '"open source"'),
    ("three words", "open source license"),
    ("no match", "zzzzzz"),
]


class Writer:
    """Random bilingual prose from the word lists."""

    def __init__(self, seed=1):
        self.random = random.Random(seed)  # nosec B311 # made-up text, not secrets
        self.en_weights = [1 / rank for rank in range(1, len(EN_WORDS) + 1)]
        self.zh_weights = [1 / rank for rank in range(1, len(ZH_WORDS) + 1)]
        # Whole sentences are reused, as articles repeat phrases; titles are
        # always fresh.
        self.en_sentences = [self.en_sentence() for _ in range(3000)]
        self.zh_sentences = [self.zh_sentence() for _ in range(3000)]

    def en_sentence(self, words=None):
        picked = self.random.choices(EN_WORDS, self.en_weights, k=words or self.random.randint(8, 20))
        return " ".join(picked).capitalize() + "."

    def zh_sentence(self, words=None):
        picked = self.random.choices(ZH_WORDS, self.zh_weights, k=words or self.random.randint(8, 20))
        return "".join(picked) + "。"

    def prose(self, sentences, length, space):
        """Sentences from the pool up to `length` characters, in paragraphs."""
        parts, size = [], 0
        while size < length:
            sentence = self.random.choice(sentences)
            if parts and self.random.random() < 0.15:
                sentence = "\n\n" + sentence
            parts.append(sentence)
            size += len(sentence)
        return space.join(parts)

    def now_and_then(self, text, rare_words, space):
        """`text`, with a rare word added one time in a thousand."""
        if self.random.random() < 0.001:
            return text + space + self.random.choice(rare_words)
        return text

    def article(self, n, published_at, status):
        return {
            "slug": f"generated-{n}",
            "title_en": self.now_and_then(self.en_sentence(10)[:60], EN_RARE, " "),
            "title_zh": self.now_and_then(self.zh_sentence(24)[:60], ZH_RARE, ""),
            "summary_en": self.prose(self.en_sentences, 200, " "),
            "summary_zh": self.prose(self.zh_sentences, 200, ""),
            "analysis_en": self.now_and_then(self.prose(self.en_sentences, 1500, " "), EN_RARE, " "),
            "analysis_zh": self.now_and_then(self.prose(self.zh_sentences, 1500, ""), ZH_RARE, ""),
            "hot": n % 101,
            "quality": (n * 7) % 101,
            "impact": (n * 13) % 101,
            "status": status,
            "published_at": published_at,
        }


def fill(count, batch=500):
    """Insert `count` articles, oldest first, with 0 to 3 tags each.

    On PostgreSQL in one transaction, the index brought up to date at its
    end as `flask import` does: the triggers' work, article by article, wrote
    about 1,000 articles a minute.
    """
    writer = Writer()
    now = utcnow()
    with write_transaction():
        tags = [Tag.create(slug=slug, name_en=en, name_zh=zh).id for slug, en, zh in TAGS]
    at_once = search.backend(database()) is search.postgres
    with write_transaction() if at_once else nullcontext(), search.deferred():
        for start in range(0, count, batch):
            write_batch(writer, tags, now, count, range(start, min(start + batch, count)))


def write_batch(writer, tags, now, count, numbers):
    """The articles of these numbers (of `count`), with their tags, in one transaction."""
    rows = []
    for n in numbers:
        # One article every ten minutes up to now; a few drafts and a
        # few scheduled for the coming days.
        published_at = now - timedelta(minutes=10 * (count - n))
        status = "published"
        roll = writer.random.random()
        if roll < 0.03:
            status, published_at = "draft", None
        elif roll < 0.04:
            published_at = now + timedelta(hours=writer.random.randint(1, 200))
        article = Article(**writer.article(n, published_at, status))
        article.make_storable()  # as `flask import` does: the fields a save fills
        rows.append(article.__data__)
    with write_transaction():
        # RETURNING, which SQLite and PostgreSQL both have: ids however the database assigns them.
        ids = [row[0] for row in Article.insert_many(rows).returning(Article.id).tuples().execute()]
        links = [
            {"article": article_id, "tag": tag}
            for article_id in ids
            for tag in writer.random.sample(tags, writer.random.randint(0, 3))
        ]
        if links:
            ArticleTag.insert_many(links).execute()


def timed(function, runs):
    """Median and 95th percentile in milliseconds, and the last result."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="how many to generate (100000)")
    parser.add_argument("--runs", type=int, default=20, help="runs of each query (20)")
    parser.add_argument(
        "--keep",
        metavar="PATH",
        help="build the database at PATH and keep it; if PATH exists, measure it without rebuilding",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="a PostgreSQL database to fill (it must have no articles) or, with --keep, to measure",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or os.path.join(tmp, "bench.db")
        url = args.database_url or f"sqlite:///{path}"
        create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})  # nosec B105 # a throwaway key for a local benchmark
        create_tables()
        with database().connection_context():
            existing = article_count() > 0
            if existing and not args.keep:
                sys.exit(f"{url} already has articles: empty it, or pass --keep to measure it as it is")
            if not existing:
                start = time.perf_counter()
                fill(args.articles)
                seconds = time.perf_counter() - start
                print(
                    f"{args.articles} articles written and indexed in {seconds:.0f} s "
                    f"({seconds / args.articles * 1000:.1f} ms each); database {size_mib(url):.0f} MiB"
                )
            update_statistics()  # as `flask init-db` and every server start do
            if url.startswith("postgres"):
                database().execute_sql("ANALYZE article_search")  # autovacuum would, a while later
            where = url if args.keep or args.database_url else "a temporary database"
            print(f"{Article.select().count()} articles in {where}")
            report(args.runs)


def size_mib(url):
    """The database's size on disk, in MiB."""
    if url.startswith("sqlite"):
        database().execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return os.path.getsize(url.removeprefix("sqlite:///")) / 2**20
    return database().execute_sql("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20


def report(runs):
    """One line per query: median and p95 in ms, results, and median / the feed's page 1."""
    print(f"{'query':38} {'median':>7} {'p95':>7} {'results':>8} {'x feed 1':>9}")
    baseline = None
    # Each function returns the number of results.
    for name, function in [
        ("feed page 1", lambda: len(Article.feed_page(1)[0])),
        ("feed page 500", lambda: len(Article.feed_page(500)[0])),
        ("feed by hot, page 1", lambda: len(Article.feed_page(1, sort="hot")[0])),
        ("feed by impact, page 500", lambda: len(Article.feed_page(500, sort="impact")[0])),
    ] + [(f"{name}: {query}", lambda query=query: search.search(query)[1]) for name, query in QUERIES]:
        median, p95, count = timed(function, runs)
        baseline = baseline or median
        print(f"{name:38} {median:7.2f} {p95:7.2f} {count:>8} {median / baseline:9.1f}")


if __name__ == "__main__":
    main()
