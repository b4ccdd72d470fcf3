#!/bin/sh
cd /work/main/apps/rustgpt-ts && exec npx tsx --conditions=@mini/source --tsconfig scratch/tsconfig.json src/main.ts "$@" 2>&1 | grep -v "npm warn"
