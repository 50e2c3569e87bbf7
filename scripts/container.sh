#!/usr/bin/env bash
# Build, test and export the ssbstack container image from public package sources only
# (Debian's mirror + PyPI; no image registry). See containers/README.md.
#
#   scripts/container.sh build    debootstrap a Debian trixie minbase rootfs (cached), import it as the
#                                 base image, build containers/Containerfile on it
#   scripts/container.sh test     run the default case (or, before `ssbstack run` exists, a DOLFINx
#                                 smoke test) serially and with mpirun -n 2 in the image and compare
#                                 with the same run on the host
#   scripts/container.sh export   write containers/build/ssbstack.oci.tar (OCI archive)
#   scripts/container.sh ci       build + test + export, for .ci/run; prints "SKIP container test: …" and
#                                 exits 0 only where podman cannot be installed (no apt-get, not root, no package)
#   scripts/container.sh tools    only install podman/buildah/runc/debootstrap (apt) and exit
#   scripts/container.sh info     print the settings this script would use
#   scripts/container.sh clean    remove the image store (keeps the cached base tarball)
#
# Settings (environment):
#   SSB_IMAGE              image name                       (default localhost/ssbstack:latest)
#   SSB_CONTAINER_STORE    podman storage + config dir      (default ${TMPDIR:-/tmp}/ssbstack-podman-$UID)
#   SSB_STORAGE_DRIVER     overlay | vfs                    (default: overlay if it mounts here, else vfs)
#   SSB_DEBIAN_MIRROR      Debian mirror URL                (default: read from this machine's apt sources)
#   SSB_DEBIAN_SUITE       suite of the base rootfs         (default trixie)
#   SOURCE_DATE_EPOCH      timestamp of the base rootfs     (default 1767225600 = 2026-01-01T00:00:00Z)
#   SSB_PIP_CA             CA bundle for pip inside the build (default: pip's / requests' CA setting on
#                          this machine, if any); passed as a build secret, used only by the pip step
#   SSB_CASE               case for `test`                  (default cases/badding2025/ex1_agmg_ccd.toml)
#   SSB_HOST_PYTHON        host python with ssbstack for the reference run (default .venv/bin/python,
#                          else a venv made under containers/build/host-venv)
#   SSB_RTOL               relative tolerance of the comparison (default 1e-8)
#   SSB_TEST_MODE          auto | case | smoke: `test` runs the case when the image has `ssbstack run`
#                          (auto), or always the case, or always the DOLFINx smoke test
#   SSB_NO_APT=1           never call apt-get (fail instead when a tool is missing)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/containers/build"
IMAGE="${SSB_IMAGE:-localhost/ssbstack:latest}"
SUITE="${SSB_DEBIAN_SUITE:-trixie}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1767225600}"
STORE="${SSB_CONTAINER_STORE:-${TMPDIR:-/tmp}/ssbstack-podman-$(id -u)}"
BASE_TAR="$BUILD/base/debian-$SUITE-minbase-$SOURCE_DATE_EPOCH.tar"
BASE_IMAGE="localhost/ssbstack-base:$SUITE-$SOURCE_DATE_EPOCH"
CASE="${SSB_CASE:-cases/badding2025/ex1_agmg_ccd.toml}"
RTOL="${SSB_RTOL:-1e-8}"

CLEANUP=()
cleanup() { local d; for d in "${CLEANUP[@]}"; do rm -rf "$d"; done; rm -f "$BASE_TAR.tmp"; }
trap cleanup EXIT
say() { printf '[container] %s\n' "$*" >&2; }
die() { printf '[container] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }

# ---------------------------------------------------------------- tools
TOOLS_PKGS=(podman buildah runc debootstrap uidmap fuse-overlayfs slirp4netns containernetworking-plugins
            debian-archive-keyring ca-certificates)
have_tools() { command -v podman >/dev/null && command -v runc >/dev/null && command -v debootstrap >/dev/null; }
ensure_tools() {
  have_tools && return 0
  [[ "${SSB_NO_APT:-0}" == 1 ]] && die "podman/runc/debootstrap missing and SSB_NO_APT=1"
  command -v apt-get >/dev/null || die "podman, runc and debootstrap are missing and there is no apt-get to install them"
  [[ $(id -u) == 0 ]] || die "podman, runc and debootstrap are missing; install them as root: apt-get install ${TOOLS_PKGS[*]}"
  say "installing ${TOOLS_PKGS[*]} (apt)"
  [[ "${APT_UPDATED:-0}" == 1 ]] || DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${TOOLS_PKGS[@]}" >/dev/null
  have_tools || die "apt-get install finished but podman/runc/debootstrap are still missing"
}

# ---------------------------------------------------------------- mirror from apt sources
debian_mirror() {
  if [[ -n "${SSB_DEBIAN_MIRROR:-}" ]]; then echo "$SSB_DEBIAN_MIRROR"; return; fi
  local f uri=""
  # deb822 *.sources: first enabled "Types: deb" paragraph whose suites are not -security/-updates only
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r "$f" ]] || continue
    uri=$(awk 'BEGIN{RS="";FS="\n"}
      { types=""; uris=""; suites=""; enabled="yes"
        for (i=1;i<=NF;i++) { l=$i; if (l ~ /^#/) continue
          if (l ~ /^Types:/)   { sub(/^Types:[ \t]*/,"",l); types=l }
          if (l ~ /^URIs:/)    { sub(/^URIs:[ \t]*/,"",l); uris=l }
          if (l ~ /^Suites:/)  { sub(/^Suites:[ \t]*/,"",l); suites=l }
          if (l ~ /^Enabled:/) { sub(/^Enabled:[ \t]*/,"",l); enabled=l } }
        if (enabled=="no" || types !~ /(^| )deb( |$)/ || uris=="") next
        n=split(suites,s," "); ok=0
        for (j=1;j<=n;j++) if (s[j] !~ /-security$/ && s[j] !~ /\//) ok=1
        if (ok) { split(uris,u," "); print u[1]; exit } }' "$f")
    [[ -n "$uri" ]] && break
  done
  if [[ -z "$uri" ]]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -r "$f" ]] || continue
      uri=$(awk '$1=="deb" { i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                             if ($(i+1) !~ /-security$/) { print $i; exit } }' "$f")
      [[ -n "$uri" ]] && break
    done
  fi
  [[ -n "$uri" ]] || die "no Debian mirror found in /etc/apt/sources.list{,.d/}; set SSB_DEBIAN_MIRROR"
  echo "${uri%/}"
}

# ---------------------------------------------------------------- pip CA bundle (build secret)
pip_ca() {
  local c
  for c in "${SSB_PIP_CA:-}" "${PIP_CERT:-}" \
           "$( (pip config get global.cert || python3 -m pip config get global.cert) 2>/dev/null | head -1)" \
           "${REQUESTS_CA_BUNDLE:-}" "${SSL_CERT_FILE:-}"; do
    [[ -n "$c" && -s "$c" ]] && { echo "$c"; return; }
  done
  echo ""
}

# ---------------------------------------------------------------- podman configuration
setup_podman() {
  mkdir -p "$STORE"
  local driver="${SSB_STORAGE_DRIVER:-}"
  if [[ -z "$driver" ]]; then
    driver=$(cat "$STORE/driver" 2>/dev/null || true)
    if [[ -z "$driver" ]]; then
      # overlay on top of the work filesystem is refused in some sandboxes: probe it once
      local t; t=$(mktemp -d "$STORE/ovl-probe.XXXX"); mkdir -p "$t"/{l,u,w,m}
      if mount -t overlay overlay -o "lowerdir=$t/l,upperdir=$t/u,workdir=$t/w" "$t/m" 2>/dev/null; then
        umount "$t/m"; driver=overlay
      else driver=vfs; fi
      rm -rf "$t"; echo "$driver" >"$STORE/driver"
    fi
  fi
  cat >"$STORE/storage.conf" <<CONF
[storage]
driver = "$driver"
graphroot = "$STORE/storage"
runroot = "$STORE/run"
CONF
  cat >"$STORE/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
log_driver = "k8s-file"
netns = "host"
cgroupns = "host"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
image_default_transport = "containers-storage:"
CONF
  cat >"$STORE/registries.conf" <<'CONF'
# No registries: everything is built locally from Debian's mirror and PyPI.
unqualified-search-registries = []
CONF
  export CONTAINERS_STORAGE_CONF="$STORE/storage.conf" CONTAINERS_CONF="$STORE/containers.conf" \
         CONTAINERS_REGISTRIES_CONF="$STORE/registries.conf"
  export TMPDIR="$STORE/tmp"; mkdir -p "$TMPDIR"
}

# ---------------------------------------------------------------- base rootfs
make_base_tar() {
  if [[ -s "$BASE_TAR" && -s "$BASE_TAR.sha256" ]] && (cd "$(dirname "$BASE_TAR")" && sha256sum -c --quiet "$(basename "$BASE_TAR").sha256"); then
    say "base rootfs cached: $BASE_TAR ($(cut -c1-16 "$BASE_TAR.sha256")…)"
    return
  fi
  [[ $(id -u) == 0 ]] || die "debootstrap needs root"
  local mirror rootfs t0; mirror=$(debian_mirror); t0=$(now)
  mkdir -p "$(dirname "$BASE_TAR")"
  rootfs=$(mktemp -d "${TMPDIR:-/tmp}/ssbstack-rootfs.XXXX")
  CLEANUP+=("$rootfs")
  say "debootstrap --variant=minbase $SUITE from $mirror (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
  # Two stages so that dpkg runs with force-unsafe-io (no fsync per file: a throw-away build tree does not
  # need it, and on a busy shared disk the fsyncs dominate). The setting stays in the base, as in Debian's
  # own container images, so the Containerfile's apt-get is fast too.
  local log="$BUILD/base/debootstrap.log"
  debootstrap --foreign --variant=minbase --arch="$(dpkg --print-architecture)" --components=main \
      --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
      "$SUITE" "$rootfs" "$mirror" >"$log" 2>&1 \
    || { tail -20 "$log" >&2; die "debootstrap (first stage) failed (log: $log)"; }
  mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
  printf 'force-unsafe-io\n' >"$rootfs/etc/dpkg/dpkg.cfg.d/01-ssbstack-unsafe-io"
  chroot "$rootfs" /debootstrap/debootstrap --second-stage >>"$log" 2>&1 \
    || { tail -20 "$log" >&2; die "debootstrap (second stage) failed (log: $log)"; }
  # Container-friendly apt/dpkg settings (as Debian's own images): no docs/man/locales, no recommends.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-ssbstack-nodoc" <<'CONF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
CONF
  cat >"$rootfs/etc/apt/apt.conf.d/01-ssbstack" <<'CONF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
CONF
  # Drop what differs from one debootstrap to the next (logs, caches, ids).
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/ldconfig/aux-cache \
         "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/var/tmp/* "$rootfs"/root/.cache \
         "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old "$rootfs"/debootstrap
  mkdir -p "$rootfs/var/lib/apt/lists/partial" "$rootfs/var/cache/apt/archives/partial"
  : >"$rootfs/etc/machine-id"
  printf 'ssbstack\n' >"$rootfs/etc/hostname"
  rm -f "$rootfs/etc/resolv.conf"; : >"$rootfs/etc/resolv.conf"
  find "$rootfs" -xdev -newermt "@$SOURCE_DATE_EPOCH" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} + 2>/dev/null || true
  LC_ALL=C tar --create --file="$BASE_TAR.tmp" --directory="$rootfs" --sort=name --numeric-owner \
      --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime --xattrs --xattrs-include='security.capability' \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime .
  mv "$BASE_TAR.tmp" "$BASE_TAR"
  rm -rf "$rootfs"
  (cd "$(dirname "$BASE_TAR")" && sha256sum "$(basename "$BASE_TAR")" >"$(basename "$BASE_TAR").sha256")
  say "base rootfs: $BASE_TAR, $(du -h "$BASE_TAR" | cut -f1), sha256 $(cut -c1-16 "$BASE_TAR.sha256")…, $(( $(now) - t0 )) s"
}

import_base() {
  if podman image exists "$BASE_IMAGE"; then
    local want have; want="sha256:$(cut -d' ' -f1 "$BASE_TAR.sha256")"
    have=$(podman image inspect --format '{{index .Labels "org.ssbstack.base-tar-sha256"}}' "$BASE_IMAGE" 2>/dev/null || true)
    [[ "$have" == "$want" ]] && return 0
  fi
  say "importing base image $BASE_IMAGE"
  podman import --change "LABEL org.ssbstack.base-tar-sha256=sha256:$(cut -d' ' -f1 "$BASE_TAR.sha256")" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' "$BASE_TAR" "$BASE_IMAGE" >/dev/null
}

# ---------------------------------------------------------------- image
make_context() {
  local ctx="$BUILD/context"
  rm -rf "$ctx"; mkdir -p "$ctx/src"
  cp "$ROOT/containers/Containerfile" "$ROOT/containers/requirements.lock" "$ctx/"
  # the working tree as git sees it: tracked + untracked-but-not-ignored files (no .venv, no build dirs)
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
     | xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
     | tar --null -T - -cf -) | tar -xf - -C "$ctx/src"
  echo "$ctx"
}

context_sha() {  # content hash of the build context (names, modes, bytes; not mtimes)
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - -C "$1" . | sha256sum | cut -c1-64
}

cmd_build() {
  local t0; t0=$(now)
  ensure_tools; setup_podman
  [[ -s "$ROOT/containers/requirements.lock" ]] || die "containers/requirements.lock missing: run scripts/lock-requirements.sh"
  make_base_tar; import_base
  local ctx ca secret rev dirty
  ctx=$(make_context)
  ca=$(pip_ca); secret="$STORE/pip-ca.pem"
  if [[ -n "$ca" ]]; then cp "$ca" "$secret"; say "pip CA bundle for the build: $ca (build secret, not in the image)"
  else : >"$secret"; fi
  rev=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  dirty=$(git -C "$ROOT" status --porcelain -- solver pyproject.toml cases 2>/dev/null | head -1)
  [[ -n "$dirty" ]] && rev="$rev-dirty"
  say "building $IMAGE (git $rev)"
  podman build --network=host --pull=never --layers \
    --secret id=pip_ca,src="$secret" \
    --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" \
    --build-arg SSB_GIT_REVISION="$rev" --build-arg SSB_CONTEXT_SHA256="$(context_sha "$ctx")" \
    -f "$ctx/Containerfile" -t "$IMAGE" "$ctx"
  say "built $IMAGE in $(( $(now) - t0 )) s; size $(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'), id $(podman image inspect --format '{{.Id}}' "$IMAGE" | cut -c1-12)"
}

# ---------------------------------------------------------------- test
crun_img() {  # run a command in the image, the work dir mounted at /work
  podman run --rm --network=none --pull=never --security-opt label=disable --shm-size=1g -e SSBSTACK_IMAGE_ID="$IMAGE_ID" \
    -v "$TESTDIR:/work:Z" -v "$BUILD/jit-cache:/cache" -e XDG_CACHE_HOME=/cache -e OMP_NUM_THREADS=1 \
    -w /work "$IMAGE" "$@"
}

host_python() {
  if [[ -n "${SSB_HOST_PYTHON:-}" ]]; then echo "$SSB_HOST_PYTHON"; return; fi
  if [[ -x "$ROOT/.venv/bin/python" ]] && "$ROOT/.venv/bin/python" -c 'import ssbstack, dolfinx_solver' 2>/dev/null; then
    echo "$ROOT/.venv/bin/python"; return; fi
  local hv="$BUILD/host-venv"
  if ! { [[ -x "$hv/bin/python" ]] && "$hv/bin/python" -c 'import ssbstack, dolfinx_solver' 2>/dev/null; }; then
    local py="" c v
    for c in python3.13 python3.12 python3 $(ls -d "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do
      command -v "$c" >/dev/null 2>&1 || continue
      v=$("$c" -c 'import sys; print(int(sys.version_info >= (3, 12)))' 2>/dev/null) || continue
      [[ "$v" == 1 ]] && { py=$(command -v "$c"); break; }
    done
    [[ -n "$py" ]] || die "no host Python >= 3.12 for the reference run; make .venv first or set SSB_HOST_PYTHON"
    say "host reference venv: $hv (from $py)"
    "$py" -m venv "$hv"
    "$hv/bin/pip" install -q -e "${ROOT}[wheel]" >&2
  fi
  echo "$hv/bin/python"
}

image_has_run() { crun_img ssbstack run --help >/dev/null 2>&1; }

cmd_test() {
  local t0; t0=$(now)
  ensure_tools; setup_podman
  podman image exists "$IMAGE" || die "image $IMAGE not built: run scripts/container.sh build (make container)"
  TESTDIR="$BUILD/test"; rm -rf "$TESTDIR"; mkdir -p "$TESTDIR" "$BUILD/jit-cache"
  IMAGE_ID=$(podman image inspect --format '{{.Id}}' "$IMAGE")
  local built now_sha
  built=$(podman image inspect --format '{{index .Labels "org.ssbstack.context-sha256"}}' "$IMAGE")
  now_sha=$(context_sha "$(make_context)")
  [[ "$built" == "$now_sha" ]] || say "WARNING: $IMAGE was built from another state of the working tree; run 'scripts/container.sh build' (make container) first"
  local py; py=$(host_python)
  say "image $IMAGE, $(crun_img python3 -c 'import sys, dolfinx_solver, dolfinx; print(f"Python {sys.version.split()[0]}, DOLFINx {dolfinx.__version__}")')"
  local mode="${SSB_TEST_MODE:-auto}"
  if [[ "$mode" == auto ]]; then if image_has_run; then mode=case; else mode=smoke; fi; fi
  if [[ "$mode" == case ]]; then
    say "case $CASE: host serial, container serial, container mpirun -n 2"
    cp "$ROOT/$CASE" "$TESTDIR/" 2>/dev/null || true
    (cd "$ROOT" && OMP_NUM_THREADS=1 "$py" -c 'import sys; from ssbstack.cli import main; sys.exit(main())' \
        run "$CASE" -o "$TESTDIR/host") \
      || die "host run of $CASE failed"
    crun_img ssbstack run "/opt/ssbstack/src/$CASE" -o /work/ctr1 || die "container serial run failed"
    crun_img mpirun -n 2 ssbstack run "/opt/ssbstack/src/$CASE" -o /work/ctr2 || die "container mpirun -n 2 run failed"
    "$py" "$ROOT/containers/compare_timeseries.py" --rtol "$RTOL" "$TESTDIR/host/timeseries.csv" \
       "$TESTDIR/ctr1/timeseries.csv" "$TESTDIR/ctr2/timeseries.csv"
  else
    [[ "${SSB_TEST_MODE:-auto}" == smoke ]] || say "NOTE: the image has no 'ssbstack run' yet; running the DOLFINx smoke test instead"
    cp "$ROOT/containers/smoke_poisson.py" "$TESTDIR/"
    OMP_NUM_THREADS=1 XDG_CACHE_HOME="$BUILD/jit-cache-host" "$py" "$TESTDIR/smoke_poisson.py" "$TESTDIR/host.csv" \
      || die "host smoke run failed"
    crun_img python3 -c 'import dolfinx_solver, dolfinx, gmsh, ssbstack; gmsh.initialize(); gmsh.finalize(); print("imports ok: dolfinx", dolfinx.__version__, "gmsh", gmsh.__version__)' \
      || die "imports failed in the image"
    crun_img python3 /work/smoke_poisson.py /work/ctr1.csv || die "container serial smoke run failed"
    crun_img mpirun -n 2 python3 /work/smoke_poisson.py /work/ctr2.csv || die "container mpirun -n 2 smoke run failed"
    "$py" "$ROOT/containers/compare_timeseries.py" --rtol "$RTOL" "$TESTDIR/host.csv" "$TESTDIR/ctr1.csv" "$TESTDIR/ctr2.csv"
  fi
  say "container test passed in $(( $(now) - t0 )) s"
}

# ---------------------------------------------------------------- export
cmd_export() {
  ensure_tools; setup_podman
  podman image exists "$IMAGE" || die "image $IMAGE not built: run scripts/container.sh build"
  local out="$BUILD/ssbstack.oci.tar" t0; t0=$(now)
  rm -f "$out"
  podman save --format oci-archive -o "$out" "$IMAGE"
  say "exported $out ($(du -h "$out" | cut -f1), $(( $(now) - t0 )) s); on a cluster: apptainer build ssbstack.sif oci-archive://$out"
}

# CI entry: build + test + export; skips (exit 0, one clear line) only where podman cannot be installed.
cmd_ci() {
  local why=""
  if ! have_tools; then
    if [[ "${SSB_NO_APT:-0}" == 1 ]]; then why="podman/runc/debootstrap are missing and SSB_NO_APT=1"
    elif ! command -v apt-get >/dev/null; then why="no apt-get on this machine to install podman, runc and debootstrap"
    elif [[ $(id -u) != 0 ]]; then why="not root: apt-get cannot install podman, runc and debootstrap"
    else
      DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed (not a reason to skip)"
      APT_UPDATED=1
      local p
      for p in podman runc debootstrap; do
        apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]' || why="${why:+$why, }no '$p' package in this machine's apt sources"
      done
    fi
  fi
  if [[ -n "$why" ]]; then
    say "SKIP container test: podman cannot be installed here ($why)"
    return 0
  fi
  local t0; t0=$(now)
  cmd_build; cmd_test
  [[ "${SSB_CI_EXPORT:-1}" == 1 ]] && cmd_export
  say "container CI: passed in $(( $(now) - t0 )) s"
}

cmd_info() {
  setup_podman
  cat <<INFO
image          $IMAGE
base image     $BASE_IMAGE
base tarball   $BASE_TAR
store          $STORE ($(cat "$STORE/driver" 2>/dev/null || echo "${SSB_STORAGE_DRIVER:-?}"))
debian mirror  $(debian_mirror)
pip CA bundle  $(pip_ca)
INFO
}

cmd_clean() {
  if [[ -d "$STORE" ]]; then
    setup_podman
    podman rmi -a -f >/dev/null 2>&1 || true
    podman system reset -f >/dev/null 2>&1 || true
    rm -rf "$STORE"
  fi
  rm -rf "$BUILD/context" "$BUILD/test" "$BUILD/jit-cache" "$BUILD/jit-cache-host"
  say "removed the image store $STORE (base tarball kept under $BUILD/base)"
}

case "${1:-}" in
  build)  cmd_build ;;
  test)   cmd_test ;;
  export) cmd_export ;;
  ci)     cmd_ci ;;
  tools)  ensure_tools ;;
  base)   ensure_tools; make_base_tar ;;
  info)   cmd_info ;;
  clean)  cmd_clean ;;
  *) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
