"""Fetch the Apache Kafka broker's jars from Maven Central with ``mvn``.

Kafka is not a Debian or PyPI package; its broker is the ``kafka_2.13`` artifact plus its runtime
dependencies. We let Maven resolve them once into ``<cache>/kafka-<version>/libs`` and run them
with ``java -cp 'libs/*'``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: The one pinned broker version. Kafka 4.x is KRaft-only; kafka-python 3.x, aiokafka 0.14 and
#: faust-streaming 0.15 all work with it (proved by the end-to-end slice test).
KAFKA_VERSION = "4.1.1"
SCALA_BINARY = "2.13"
#: Kafka 4.x logs through slf4j 1.7 into log4j2; the bridge is not a dependency of kafka_2.13,
#: the binary distribution adds it, so do we (else the broker logs nothing at all).
LOG4J_VERSION = "2.24.3"

_POM_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.injuryhub</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>{kafka}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_{scala}</artifactId>
      <version>{kafka}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>{log4j}</version>
    </dependency>
  </dependencies>
</project>
"""


class JarFetchError(RuntimeError):
    """Maven could not resolve the broker's jars."""


@dataclass(frozen=True)
class KafkaJars:
    """Where one Kafka version's jars live in the cache."""

    home: Path
    version: str = KAFKA_VERSION

    @property
    def libs(self) -> Path:
        return self.home / "libs"

    @property
    def classpath(self) -> str:
        return str(self.libs / "*")

    @property
    def complete_marker(self) -> Path:
        return self.home / ".complete"

    def is_complete(self) -> bool:
        return self.complete_marker.exists() and any(self.libs.glob("kafka_*.jar"))

    def size_bytes(self) -> int:
        return sum(jar.stat().st_size for jar in self.libs.glob("*.jar"))


def jars_for(cache_dir: Path, version: str = KAFKA_VERSION) -> KafkaJars:
    return KafkaJars(home=cache_dir.resolve() / f"kafka-{version}", version=version)


def fetch_jars(cache_dir: Path, version: str = KAFKA_VERSION, quiet: bool = True) -> KafkaJars:
    """Resolve the broker jars into the cache unless a complete copy is already there.

    The jars land in a temporary folder first and are moved into place whole, so an interrupted
    fetch never leaves a half-filled ``libs`` that looks usable.
    """
    jars = jars_for(cache_dir, version)
    if jars.is_complete():
        return jars
    mvn = shutil.which("mvn")
    if mvn is None:
        raise JarFetchError(
            "Maven (`mvn`) is not on PATH; install it (Debian: apt-get install maven) "
            "so the Kafka broker's jars can be fetched from Maven Central"
        )
    jars.home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=jars.home, prefix="fetch-") as tmp:
        work = Path(tmp)
        (work / "pom.xml").write_text(
            _POM_TEMPLATE.format(kafka=version, scala=SCALA_BINARY, log4j=LOG4J_VERSION),
            encoding="utf-8",
        )
        command = [
            mvn,
            "--batch-mode",
            "--no-transfer-progress",
            *(["--quiet"] if quiet else []),
            "-f",
            str(work / "pom.xml"),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={work / 'libs'}",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise JarFetchError(
                f"mvn could not resolve org.apache.kafka:kafka_{SCALA_BINARY}:{version} "
                f"(exit {result.returncode}):\n{tail}"
            )
        if jars.libs.exists():
            shutil.rmtree(jars.libs)
        (work / "libs").rename(jars.libs)
    jars.complete_marker.write_text(version + "\n", encoding="utf-8")
    return jars
